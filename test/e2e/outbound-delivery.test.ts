// Goal: a user of a real tandemd sends to another domain through submission (nodemailer, AUTH) and the mail
// reaches that domain's MX (a real SMTP server on a loopback address, found through a real DNS server), with
// the local recipients' copies stored at once, DKIM-signed with a key made by `tandem dkim keygen` (verified as a
// receiver would); a refused recipient comes back as a bounce in the sender's INBOX
// (imapflow); a deferred one waits in `tandem queue list` and is dropped by `tandem queue delete`; a message
// queued while the remote server is down survives kill -9 and is delivered after the restart by
// `tandem queue retry`; the MX port is still no open relay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { ImapFlow } from 'imapflow';
import { DnsTestServer, freePort } from '@tandem/testkit';
import { SmtpWireClient } from '@tandem/smtp';
import { SmtpSink } from '../../packages/smtp/src/outbound/smtp-sink.js';
import { dkimResults } from '../../packages/smtp/src/outbound/dkim-check.js';
import { runCli } from '../support/cli-process.js';
import { DaemonProcess } from '../support/daemon-process.js';

const password = 'outbound-test-pw';
const waitMs = 15_000;

/** Resolves once `done()` holds, checking every 50 ms; bounded by waitMs (a delivery is a scan away, 1 s). */
async function until(what: string, done: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`not within ${waitMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('outbound: delivered to the MX, bounced to the sender, queued and listed, kept across kill -9, never an open relay', { timeout: 180_000 }, async (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'tandem-outbound-e2e-'));
  const dataDir = join(scratch, 'data');
  const mxPort = await freePort();
  // A DKIM key made as an admin would (tandem dkim keygen), its record published in the test DNS.
  mkdirSync(scratch, { recursive: true });
  const keygen = await runCli(['dkim', 'keygen', 'example.test', '--selector', 'e2e', '--out', join(scratch, 'dkim.key'), '--json']);
  assert.equal(keygen.code, 0, keygen.stderr);
  const dkim = JSON.parse(keygen.stdout) as { name: string; record: string; privateKeyFile: string };
  const dns = await DnsTestServer.start({
    'remote.test': { MX: [{ preference: 10, exchange: 'mx.remote.test' }] }, 'mx.remote.test': { A: ['127.0.0.2'] }, [dkim.name]: { TXT: [dkim.record] },
  });
  let mx = await SmtpSink.start('127.0.0.2', mxPort);
  const configFile = join(scratch, 'tandem.json');
  writeFileSync(configFile, JSON.stringify({
    dev: true, hostname: 'mail.example.test',
    outbound: { mxPort, dnsServers: [dns.server], dkim: [{ domain: 'example.test', selector: 'e2e', privateKeyFile: dkim.privateKeyFile }] },
  }));
  const { args, ports } = await DaemonProcess.devArgs(dataDir);
  let daemon = DaemonProcess.spawn([...args, '--config', configFile, '--demo-password', password]);
  t.after(async () => {
    await daemon.stop();
    await mx.close();
    await dns.close();
    rmSync(scratch, { recursive: true, force: true });
  });
  await daemon.ready();
  const cli = (...a: string[]): ReturnType<typeof runCli> => runCli(['--data-dir', dataDir, ...a]);
  const queue = async (): Promise<{ count: number; entries: Array<{ queueId: string; recipients: Array<{ address: string; state: string; reply: string | null }> }> }> => {
    const r = await cli('queue', 'list', '--json');
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as never;
  };
  const submit = (to: string[], subject: string): Promise<unknown> => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1', port: ports.submission, secure: false, requireTLS: true, tls: { rejectUnauthorized: false },
      auth: { user: 'demo@example.test', pass: password },
    });
    return transport.sendMail({ from: 'demo@example.test', to, subject, text: `${subject}\r\n` }).finally(() => transport.close());
  };
  const inbox = async (): Promise<string[]> => {
    const client = new ImapFlow({ host: '127.0.0.1', port: ports.imap, secure: false, doSTARTTLS: false, auth: { user: 'demo@example.test', pass: password }, logger: false });
    await client.connect();
    try {
      await client.mailboxOpen('INBOX');
      const subjects: string[] = [];
      for await (const m of client.fetch('1:*', { envelope: true })) subjects.push(m.envelope?.subject ?? '');
      return subjects;
    } catch {
      return [];
    } finally {
      await client.logout();
    }
  };

  // 1. A local and a remote recipient: the 250 covers both; the remote copy reaches the MX with our trace header.
  await submit(['demo@example.test', 'friend@remote.test'], 'hello out there');
  await until('the MX received the message', () => mx.received.length === 1);
  assert.deepEqual(mx.received[0]!.rcptTo, ['friend@remote.test']);
  assert.equal(mx.received[0]!.mailFrom, 'demo@example.test');
  // Signed (the receiver's check passes against the published key), then our Received; no Return-Path
  // (RFC 5321 §4.4: that is the final MTA's to add), though the local copy has one.
  assert.deepEqual(await dkimResults(mx.received[0]!.bytes, dns.server), ['example.test:pass']);
  assert.match(mx.received[0]!.bytes.toString(), /^DKIM-Signature: v=1; a=rsa-sha256;[^]*?\r\nReceived: from [^\r\n]*\r\n\tby mail\.example\.test with ESMTPSA id /);
  assert.doesNotMatch(mx.received[0]!.bytes.toString(), /^Return-Path:/m);
  assert.match(mx.received[0]!.bytes.toString(), /Subject: hello out there/);
  assert.deepEqual(await inbox(), ['hello out there']);
  await until('the queue is empty', async () => (await queue()).count === 0);
  assert.match(daemon.stderr, /"to":"friend@remote\.test","relay":"mx\.remote\.test\[127\.0\.0\.2\]:\d+".*"status":"sent".*"msg":"outbound delivery"/);

  // 2. A refused recipient: a bounce in the sender's INBOX. A deferred one: listed with the server's reply, then deleted.
  mx.policy = (a) => (a === 'nobody@remote.test' ? '550 5.1.1 <nobody@remote.test>: no such user here' : a === 'grey@remote.test' ? '451 4.7.1 greylisted' : undefined);
  await submit(['nobody@remote.test', 'grey@remote.test'], 'partly refused');
  await until('the bounce is in the INBOX', async () => (await inbox()).includes('Undelivered Mail Returned to Sender'));
  const listed = await queue();
  assert.equal(listed.count, 1);
  assert.equal((JSON.parse((await cli('status', '--json')).stdout) as { outboundQueued: number }).outboundQueued, 1, 'tandem status counts the queue');
  assert.deepEqual(listed.entries[0]!.recipients.map((r) => [r.address, r.state, r.reply]), [
    ['nobody@remote.test', 'failed', '550 5.1.1 <nobody@remote.test>: no such user here'], ['grey@remote.test', 'pending', '451 4.7.1 greylisted']]);
  const human = await cli('queue', 'list');
  assert.match(human.stdout, /^ {2}grey@remote\.test {2}\(451 4\.7\.1 greylisted\)$/m);
  assert.match(human.stdout, /-- 1 message in the outbound queue\n$/);
  const dropped = await cli('queue', 'delete', listed.entries[0]!.queueId);
  assert.equal(dropped.code, 0, dropped.stderr);
  assert.equal((await queue()).count, 0);
  const again = await cli('queue', 'delete', listed.entries[0]!.queueId);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /no queue entry/);

  // 3. The remote server is down: the message waits; kill -9; after the restart `queue retry` delivers it.
  await mx.close();
  await submit(['later@remote.test'], 'survives a crash');
  await until('a first attempt failed', async () => (await queue()).entries[0]?.recipients[0]?.reply?.startsWith('4.4.1 no server answered') === true);
  daemon.kill('SIGKILL');
  await daemon.exited;
  mx = await SmtpSink.start('127.0.0.2', mxPort);
  daemon = DaemonProcess.spawn([...args, '--config', configFile, '--demo-password', password]);
  await daemon.ready();
  assert.equal((await queue()).count, 1, 'the queued message is still there after kill -9');
  const retried = await cli('queue', 'retry');
  assert.equal(retried.code, 0, retried.stderr);
  assert.equal(retried.stdout, '1 message due now\n');
  await until('the MX received the queued message', () => mx.received.length === 1);
  assert.deepEqual(mx.received[0]!.rcptTo, ['later@remote.test']);
  assert.match(mx.received[0]!.bytes.toString(), /Subject: survives a crash/);
  await until('the queue is empty', async () => (await queue()).count === 0);

  // 4. The MX port (no AUTH) is still no open relay.
  const client = await SmtpWireClient.connect(ports.smtp);
  await client.send('EHLO client.elsewhere.test');
  await client.send('MAIL FROM:<someone@elsewhere.test>');
  const relay = await client.send('RCPT TO:<friend@remote.test>');
  await client.quit();
  assert.equal(`${relay.code} ${relay.enhancedCode}`, '554 5.7.1');
});
