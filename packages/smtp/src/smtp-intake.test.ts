// Goal: mail taken on the MX and submission ports lands byte for byte (plus trace headers) in the recipient's Maildir new/, UIDs 1, 2, … in order, exactly once per transaction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import { startIntakeHarness, type IntakeHarness } from './intake-test-harness.js';
import { SmtpWireClient } from './smtp-wire-client.js';

function rawMessage(n: number, extra = ''): Buffer {
  return Buffer.from(
    `From: sender@elsewhere.test\r\nTo: demo@example.test\r\nSubject: message ${n}\r\n` +
    `Message-ID: <m${n}@elsewhere.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n` +
    `Content-Transfer-Encoding: 8bit\r\n\r\nBody ${n} with 8-bit text: grüße ✓\r\n.leading dot line\r\n${extra}`,
    'utf8',
  );
}

/** The stored file must be the trace headers followed by exactly the bytes sent. */
function assertStoredAs(stored: Buffer, sent: Buffer, mailFrom: string, rcpt: string, protocol: string): void {
  const split = stored.indexOf(sent);
  assert.ok(split > 0, 'the bytes as sent follow the trace headers');
  assert.equal(split + sent.length, stored.length, 'nothing after the message');
  const trace = stored.subarray(0, split).toString('utf8');
  assert.match(trace, new RegExp(`^Return-Path: <${mailFrom}>\\r\\nReceived: from \\S+ \\(\\[127\\.0\\.0\\.1\\]\\)\\r\\n\\tby mx\\.example\\.test with ${protocol} id [0-9A-Z]{12}\\r\\n\\tfor <${rcpt}>;\\r\\n\\t\\w{3}, \\d{1,2} \\w{3} \\d{4} \\d\\d:\\d\\d:\\d\\d \\+0000\\r\\n$`));
}

let h: IntakeHarness;
test.before(async () => {
  h = await startIntakeHarness();
  await h.addUser('demo@example.test', 'demo-password-1');
});
test.after(() => h.close());

test('MX (nodemailer, no TLS) then submission (STARTTLS + AUTH): files in new/, UIDs 1, 2, 3 in order', async () => {
  const mx = nodemailer.createTransport({ host: '127.0.0.1', port: h.ports.mx, secure: false, ignoreTLS: true });
  const submission = nodemailer.createTransport({
    host: '127.0.0.1', port: h.ports.submission, secure: false, requireTLS: true,
    tls: { rejectUnauthorized: false }, auth: { user: 'demo@example.test', pass: 'demo-password-1' },
  });
  const submissions = nodemailer.createTransport({
    host: '127.0.0.1', port: h.ports.submissions, secure: true,
    tls: { rejectUnauthorized: false }, auth: { user: 'demo@example.test', pass: 'demo-password-1' },
  });
  const sent = [rawMessage(1), rawMessage(2), rawMessage(3)];
  const infos = [
    await mx.sendMail({ envelope: { from: 'sender@elsewhere.test', to: ['demo@example.test'] }, raw: sent[0] }),
    await submission.sendMail({ envelope: { from: 'demo@example.test', to: ['demo@example.test'] }, raw: sent[1] }),
    await submissions.sendMail({ envelope: { from: 'demo@example.test', to: ['demo@example.test'] }, raw: sent[2] }),
  ];
  for (const info of infos) assert.match(info.response, /^250 2\.0\.0 queued as [0-9A-Z]{12}$/);
  mx.close(); submission.close(); submissions.close();

  const messages = h.store.listMessages('demo@example.test', 'INBOX');
  assert.deepEqual(messages.map((m) => m.uid), [1, 2, 3]);
  const expectations: Array<[string, string]> = [['sender@elsewhere.test', 'ESMTP'], ['demo@example.test', 'ESMTPSA'], ['demo@example.test', 'ESMTPSA']];
  messages.forEach((record, i) => {
    assert.ok(record.file.startsWith('new/'), `message ${record.uid} is in new/: ${record.file}`);
    const path = h.store.messagePath('demo@example.test', 'INBOX', record.uid);
    assert.ok(path);
    const stored = readFileSync(path);
    assert.equal(record.sizeBytes, stored.length);
    const [mailFrom, protocol] = expectations[i] ?? ['', ''];
    assertStoredAs(stored, sent[i] ?? Buffer.alloc(0), mailFrom, 'demo@example.test', protocol);
    // The queue id in the reply is the one in the Received header.
    const queueId = /queued as (\S+)/.exec(infos[i]?.response ?? '')?.[1];
    assert.ok(stored.toString('utf8').includes(` id ${queueId}\r\n`));
  });
});

test('the identical transaction twice: two 250s with the same queue id, one stored message', async () => {
  const before = h.store.listMessages('demo@example.test', 'INBOX').length;
  const message = rawMessage(42);
  const replies: string[] = [];
  for (let i = 0; i < 2; i++) {
    const client = await SmtpWireClient.connect(h.ports.mx);
    await client.send('EHLO client.elsewhere.test');
    const r = await client.sendMail('sender@elsewhere.test', ['demo@example.test'], message);
    const last = r[r.length - 1];
    assert.equal(last?.code, 250);
    assert.equal(last?.enhancedCode, '2.0.0');
    replies.push(last?.lines[0] ?? '');
    await client.quit();
  }
  assert.equal(replies[0], replies[1], 'the retry is told the first queue id');
  const after = h.store.listMessages('demo@example.test', 'INBOX');
  assert.equal(after.length, before + 1);
});

test('a different envelope with the same bytes is a different transaction', async () => {
  await h.addUser('other@example.test', 'other-password-1');
  const message = rawMessage(43);
  const client = await SmtpWireClient.connect(h.ports.mx);
  await client.send('EHLO client.elsewhere.test');
  const first = await client.sendMail('sender@elsewhere.test', ['demo@example.test'], message);
  const second = await client.sendMail('sender@elsewhere.test', ['other@example.test'], message);
  assert.equal(first.at(-1)?.code, 250);
  assert.equal(second.at(-1)?.code, 250);
  assert.notEqual(first.at(-1)?.lines[0], second.at(-1)?.lines[0]);
  await client.quit();
  assert.equal(h.store.listMessages('other@example.test', 'INBOX').length, 1);
});

test('EHLO advertises SIZE, PIPELINING, 8BITMIME, SMTPUTF8, ENHANCEDSTATUSCODES; MX offers no AUTH', async () => {
  const mx = await SmtpWireClient.connect(h.ports.mx);
  const ehlo = await mx.send('EHLO client.elsewhere.test');
  assert.equal(ehlo.code, 250);
  for (const capability of ['PIPELINING', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES', `SIZE ${64 * 1024}`, 'STARTTLS']) {
    assert.ok(ehlo.lines.includes(capability), `MX advertises ${capability}: ${ehlo.lines.join(' | ')}`);
  }
  assert.ok(!ehlo.lines.some((l) => l.startsWith('AUTH')), 'no AUTH on port 25');
  await mx.quit();
  const submissions = await SmtpWireClient.connect(h.ports.submissions, { tls: true });
  const secureEhlo = await submissions.send('EHLO client.elsewhere.test');
  assert.ok(secureEhlo.lines.includes('AUTH PLAIN LOGIN'), secureEhlo.lines.join(' | '));
  await submissions.quit();
});

test('PIPELINING: MAIL, RCPT, DATA in one write get their replies in order', async () => {
  const client = await SmtpWireClient.connect(h.ports.mx);
  await client.send('EHLO client.elsewhere.test');
  client.write('MAIL FROM:<sender@elsewhere.test>\r\nRCPT TO:<demo@example.test>\r\nRCPT TO:<nobody@example.test>\r\nDATA\r\n');
  const replies = [await client.readReply(), await client.readReply(), await client.readReply(), await client.readReply()];
  assert.deepEqual(replies.map((r) => `${r.code} ${r.enhancedCode ?? ''}`), ['250 2.1.0', '250 2.1.5', '550 5.1.1', '354 ']);
  client.write('Subject: pipelined\r\n\r\nhi\r\n.\r\n');
  assert.equal((await client.readReply()).code, 250);
  await client.quit();
});

test('SMTPUTF8: an internationalised recipient alias and UTF-8 headers are accepted', async () => {
  const result = await h.propose({ type: 'alias.add', source: 'jürgen@example.test', target: 'demo@example.test', timestampMs: 3 });
  assert.equal(result.ok, true);
  const client = await SmtpWireClient.connect(h.ports.mx);
  await client.send('EHLO client.elsewhere.test');
  assert.equal((await client.send('MAIL FROM:<sender@elsewhere.test> SMTPUTF8 BODY=8BITMIME')).code, 250);
  client.write(Buffer.from('RCPT TO:<jürgen@example.test>\r\n', 'utf8'));
  assert.equal((await client.readReply()).code, 250);
  assert.equal((await client.send('DATA')).code, 354);
  client.write(Buffer.from('Subject: Grüße\r\n\r\nä\r\n.\r\n', 'utf8'));
  const reply = await client.readReply();
  assert.equal(reply.code, 250);
  await client.quit();
});
