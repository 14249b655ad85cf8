// Goal: the delivery agent against real servers — a real store and log, real smtp-server "MX hosts" on
// loopback addresses, a real DNS server: MX order and fall-through, per-recipient outcomes, the retry
// schedule, bounces (RFC 3464) in the sender's INBOX, permanent and temporary routing failures, the queue
// lifetime, and a relay with STARTTLS and AUTH. The clock is injected: no test waits for real time to pass.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { limits, type OutboundConfig } from '@tandem/config';
import { DnsTestServer, freePort, type DnsTestZone } from '@tandem/testkit';
import { LocalCommandLog, MailStore, type Command, type CommandLog, type DeliverValue } from '@tandem/store';
import { testCertificate } from '../intake-test-harness.js';
import { OutboundQueue, type OutboundLogger } from './outbound-queue.js';
import { dnsLookup } from './mx-route.js';
import { SmtpSink } from './smtp-sink.js';

const t0 = 1_800_000_000_000;
const sender = 'demo@example.test';

interface Bed {
  store: MailStore;
  log: LocalCommandLog;
  clock: { now: number };
  lines: Array<{ msg: string; fields: Record<string, unknown> }>;
  /** `commandLog`: in place of the store's log (to make proposals fail). */
  queue(config: Partial<OutboundConfig> & { relayPassword?: string; commandLog?: CommandLog }): OutboundQueue;
  send(n: number, remote: string[], mailFrom?: string): Promise<void>;
  queueFiles(): string[];
  close(): Promise<void>;
}

async function bed(zone: DnsTestZone, mxPort: number): Promise<Bed> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-outbound-'));
  const store = await MailStore.open({ dataDir });
  const log = await LocalCommandLog.open({ dir: join(dataDir, 'log'), store });
  const dns = await DnsTestServer.start(zone);
  const clock = { now: t0 };
  const lines: Bed['lines'] = [];
  const record = (msg: string, fields: object): void => { lines.push({ msg, fields: fields as Record<string, unknown> }); };
  const logger: OutboundLogger = { info: (f, m) => record(m, f), warn: (f, m) => record(m, f), error: (f, m) => record(m, f) };
  const propose = async (c: Command): Promise<void> => {
    const r = await log.propose(c);
    if (!r.ok) throw new Error(`${c.type}: ${r.error} ${r.message}`);
  };
  await propose({ type: 'domain.add', domain: 'example.test', timestampMs: t0 });
  await propose({ type: 'user.add', address: sender, passwordHash: `$scrypt$ln=15,r=8,p=1$${'A'.repeat(22)}$${'B'.repeat(43)}`, timestampMs: t0 });
  const queues: OutboundQueue[] = [];
  return {
    store, log, clock, lines,
    queue: (config) => {
      const q = new OutboundQueue({
        reader: store, commandLog: config.commandLog ?? log, logger, hostname: 'mail.example.test',
        config: { relay: config.relay, mxPort: config.mxPort ?? mxPort, dnsServers: undefined, dkim: [] },
        relayPassword: config.relayPassword, nowMs: () => clock.now, random: () => 0,
        dns: dnsLookup([dns.server], { timeoutMs: 500, tries: 1 }),
      });
      queues.push(q);
      return q;
    },
    send: async (n, remote, mailFrom = sender) => {
      await propose({
        type: 'message.send', timestampMs: clock.now, dedupeKey: `k${n}`, queueId: `Q${n}`,
        envelope: { mailFrom, rcptTo: remote }, recipients: [], remote,
        message: Buffer.from(`Return-Path: <${mailFrom}>\r\nFrom: <${sender}>\r\nTo: <${remote[0]}>\r\nSubject: outbound ${n}\r\nMessage-ID: <m${n}@example.test>\r\n\r\nhello ${n}\r\n`),
      });
    },
    queueFiles: () => { try { return readdirSync(join(dataDir, 'mail', '.queue', 'new')); } catch { return []; } },
    close: async () => {
      await Promise.all(queues.map((q) => q.stop()));
      await log.close();
      await store.close();
      await dns.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A bed on a free port and, when asked, a remote server on it; both closed when the test ends. */
async function setUp(t: TestContext, zone: DnsTestZone, sink?: { host: string; options?: Parameters<typeof SmtpSink.start>[2] }): Promise<{ b: Bed; port: number; sink: SmtpSink }> {
  const port = await freePort();
  const b = await bed(zone, port);
  t.after(() => b.close());
  if (!sink) return { b, port, sink: undefined as never };
  const server = await SmtpSink.start(sink.host, port, sink.options);
  t.after(() => server.close());
  return { b, port, sink: server };
}

/** The bounces in the sender's INBOX, parsed. */
async function bounces(store: MailStore): Promise<Array<{ subject: string; report: string; from: string }>> {
  const out = [];
  for (const m of store.listMessages(sender, 'INBOX')) {
    const raw = await store.readMessage(sender, 'INBOX', m.uid);
    const parsed = await simpleParser(raw);
    // The message/delivery-status part as written (RFC 3464 §2.1), up to the next boundary line.
    const text = raw.toString('utf8');
    const start = text.indexOf('Content-Type: message/delivery-status');
    const report = start < 0 ? '' : text.slice(start, text.indexOf('\r\n--', start)).replace(/\r\n(?=[ \t])/g, ''); // unfolded
    out.push({ subject: parsed.subject ?? '', report, from: parsed.from?.value[0]?.address ?? '' });
  }
  return out;
}

test('MX hosts in preference order: a refused connection falls through to the next; delivered bytes are the queued ones; the entry and its file end', async (t) => {
  const { b, port, sink: mx2 } = await setUp(t, {
    'remote.test': { MX: [{ preference: 10, exchange: 'mx1.remote.test' }, { preference: 20, exchange: 'mx2.remote.test' }] },
    'mx1.remote.test': { A: ['127.0.0.2'] },
    'mx2.remote.test': { A: ['127.0.0.3'] },
  }, { host: '127.0.0.3' });
  await b.send(1, ['a@remote.test', 'b@remote.test']);
  const queued = await b.store.readQueued('Q1');
  await b.queue({}).runOnce();
  assert.equal(mx2.received.length, 1, 'one transaction for both recipients of the domain');
  assert.deepEqual(mx2.received[0]!.rcptTo, ['a@remote.test', 'b@remote.test']);
  assert.equal(mx2.received[0]!.mailFrom, sender);
  // As queued, less the leading Return-Path a stored message carries (RFC 5321 §4.4: not sent on).
  assert.match(queued.toString(), /^Return-Path: <demo@example\.test>\r\n/);
  assert.deepEqual(mx2.received[0]!.mailArgs, { SIZE: String(mx2.received[0]!.bytes.length) }, 'SIZE declared; no BODY=8BITMIME for 7-bit mail');
  assert.deepEqual(mx2.received[0]!.bytes, queued.subarray('Return-Path: <demo@example.test>\r\n'.length));
  assert.deepEqual(b.store.listQueue(), []);
  assert.deepEqual(b.queueFiles(), []);
  const sent = b.lines.filter((l) => l.msg === 'outbound delivery');
  assert.deepEqual(sent.map((l) => [l.fields.to, l.fields.status, l.fields.relay]), [
    ['a@remote.test', 'sent', `mx2.remote.test[127.0.0.3]:${port}`], ['b@remote.test', 'sent', `mx2.remote.test[127.0.0.3]:${port}`]]);
});

test('per recipient: 250 delivered, 550 bounced to the sender, 451 kept and retried on schedule, then delivered', async (t) => {
  const { b, sink: mx } = await setUp(t, { 'remote.test': { MX: [{ preference: 10, exchange: 'mx.remote.test' }] }, 'mx.remote.test': { A: ['127.0.0.2'] } }, { host: '127.0.0.2' });
  mx.policy = (a) => (a.startsWith('nobody@') ? '550 5.1.1 <nobody@remote.test>: no such user' : a.startsWith('grey@') ? '451 4.7.1 greylisted, come back later' : undefined);
  await b.send(1, ['ok@remote.test', 'nobody@remote.test', 'grey@remote.test']);
  const q = b.queue({});
  await q.runOnce();
  assert.deepEqual(mx.received.map((m) => m.rcptTo), [['ok@remote.test']]);
  const entry = b.store.getQueueEntry('Q1')!;
  assert.deepEqual(entry.recipients.map((r) => [r.address, r.state]), [['ok@remote.test', 'delivered'], ['nobody@remote.test', 'failed'], ['grey@remote.test', 'pending']]);
  assert.equal(entry.nextAttemptMs, t0 + limits.outboundRetryDelaysMs[0]!);
  assert.match(entry.recipients[2]!.reply!, /^451 4\.7\.1 greylisted/);

  const [bounce, ...more] = await bounces(b.store);
  assert.equal(more.length, 0);
  assert.equal(bounce!.subject, 'Undelivered Mail Returned to Sender');
  assert.equal(bounce!.from, 'MAILER-DAEMON@mail.example.test');
  assert.match(bounce!.report, /Final-Recipient: rfc822; ?nobody@remote\.test/i);
  assert.match(bounce!.report, /Status: 5\.1\.1/);
  assert.match(bounce!.report, /Diagnostic-Code: smtp; ?550 5\.1\.1 <nobody@remote\.test>: no such user/);
  assert.doesNotMatch(bounce!.report, /ok@remote\.test|grey@remote\.test/);

  // Not due yet: nothing is tried.
  b.clock.now = t0 + limits.outboundRetryDelaysMs[0]! - 1;
  await q.runOnce();
  assert.equal(mx.asked.filter((a) => a === 'grey@remote.test').length, 1);
  // Due: only the pending recipient is tried, and now taken.
  mx.policy = () => undefined;
  b.clock.now = t0 + limits.outboundRetryDelaysMs[0]!;
  await q.runOnce();
  assert.deepEqual(mx.received.map((m) => m.rcptTo), [['ok@remote.test'], ['grey@remote.test']]);
  assert.deepEqual(b.store.listQueue(), []);
  assert.deepEqual(b.queueFiles(), []);
  assert.equal((await bounces(b.store)).length, 1, 'no second bounce');
});

test('routing: a null MX (5.1.10) and a domain that does not exist (5.1.2) bounce at once; SERVFAIL (4.4.3) and no answering host (4.4.1) are retried', async (t) => {
  const { b, port } = await setUp(t, {
    'nullmx.test': { MX: [{ preference: 0, exchange: '.' }] },
    'broken.test': 'SERVFAIL',
    'down.test': { A: ['127.0.0.4'] },
  });
  await b.send(1, ['x@nullmx.test', 'y@nowhere.test', 'z@broken.test', 'w@down.test']);
  await b.queue({}).runOnce();
  const entry = b.store.getQueueEntry('Q1')!;
  assert.deepEqual(entry.recipients.map((r) => [r.address, r.state]), [
    ['x@nullmx.test', 'failed'], ['y@nowhere.test', 'failed'], ['z@broken.test', 'pending'], ['w@down.test', 'pending']]);
  assert.match(entry.recipients[3]!.reply!, new RegExp(`^4\\.4\\.1 no server answered: down\\.test\\[127\\.0\\.0\\.4\\]:${port}: `));
  const [bounce] = await bounces(b.store);
  assert.match(bounce!.report, /Final-Recipient: rfc822; ?x@nullmx\.test[\s\S]*Status: 5\.1\.10/i);
  assert.match(bounce!.report, /Final-Recipient: rfc822; ?y@nowhere\.test[\s\S]*Status: 5\.1\.2/i);
  assert.doesNotMatch(bounce!.report, /broken\.test|down\.test/);
});

test('past the queue lifetime a deferral becomes a failure (4.4.7) and is bounced; a bounce itself is never bounced', async (t) => {
  const { b, sink: mx } = await setUp(t, { 'remote.test': { MX: [{ preference: 10, exchange: 'mx.remote.test' }] }, 'mx.remote.test': { A: ['127.0.0.2'] } }, { host: '127.0.0.2' });
  mx.policy = () => '452 4.2.2 mailbox full';
  await b.send(1, ['full@remote.test']);
  await b.send(2, ['full@remote.test'], '');
  b.clock.now = t0 + limits.outboundQueueLifetimeMs;
  await b.queue({}).runOnce();
  assert.deepEqual(b.store.listQueue(), []);
  const all = await bounces(b.store);
  assert.equal(all.length, 1, 'one bounce: for the message with a sender, none for the null sender');
  assert.match(all[0]!.report, /Status: 4\.4\.7/);
  assert.match(all[0]!.report, /gave up after 120 hours in the queue; last reply: 452 4\.2\.2 mailbox full/);
  assert.ok(b.lines.some((l) => l.msg === 'outbound: no bounce for a message from the null sender (RFC 5321 §4.5.5)' && l.fields.queueId === 'Q2'));
});

test('still deferred after the warning time: one "delayed" report to the sender, not one per attempt; the message stays queued', async (t) => {
  const { b, sink: mx } = await setUp(t, { 'remote.test': { MX: [{ preference: 10, exchange: 'mx.remote.test' }] }, 'mx.remote.test': { A: ['127.0.0.2'] } }, { host: '127.0.0.2' });
  mx.policy = () => '451 4.3.2 system not accepting messages';
  await b.send(1, ['slow@remote.test']);
  const q = b.queue({});
  await q.runOnce();
  assert.deepEqual(await bounces(b.store), [], 'no warning before limits.outboundDelayWarningMs');
  for (const hours of [4, 8]) {
    b.clock.now = t0 + hours * 3600_000;
    await q.runOnce();
  }
  assert.equal(mx.asked.length, 3, 'tried three times');
  const reports = await bounces(b.store);
  assert.equal(reports.length, 1, 'one warning for the message');
  assert.equal(reports[0]!.subject, 'Delayed Mail (still being retried)');
  assert.match(reports[0]!.report, /Final-Recipient: rfc822; ?slow@remote\.test[\s\S]*Action: delayed[\s\S]*Status: 4\.3\.2/i);
  assert.equal(b.store.getQueueEntry('Q1')!.recipients[0]!.state, 'pending');
});

test('opportunistic TLS: an MX whose STARTTLS handshake fails gets the message in plaintext; a relay that requires TLS does not', async (t) => {
  const { b, port, sink: mx } = await setUp(t, { 'remote.test': { MX: [{ preference: 10, exchange: 'mx.remote.test' }] }, 'mx.remote.test': { A: ['127.0.0.2'] } }, { host: '127.0.0.2', options: { tls: await testCertificate(), brokenTls: true } });
  await b.send(1, ['a@remote.test']);
  await b.queue({}).runOnce();
  assert.equal(mx.received.length, 1);
  assert.equal(mx.received[0]!.tls, false);
  assert.ok(b.lines.some((l) => l.msg === 'outbound: TLS handshake failed; trying again in plaintext'));

  await b.send(2, ['b@remote.test']);
  await b.queue({ relay: { host: '127.0.0.2', port, tls: 'starttls', tlsVerify: false, user: undefined, passwordFile: undefined } }).runOnce();
  assert.equal(mx.received.length, 1, 'nothing sent to a relay in plaintext');
  assert.match(b.store.getQueueEntry('Q2')!.recipients[0]!.reply!, /^4\.4\.1 no server answered/);
});

test('a relay: every domain through it, STARTTLS required and AUTH given; a refused AUTH defers', async (t) => {
  const { b, port, sink: relay } = await setUp(t, {}, { host: '127.0.0.2', options: { tls: await testCertificate(), auth: { user: 'tandem', pass: 'relay-secret' } } });
  await b.send(1, ['a@one.test', 'b@two.test']);
  const config = { relay: { host: '127.0.0.2', port, tls: 'starttls' as const, tlsVerify: false, user: 'tandem', passwordFile: '/unused' } };
  await b.queue({ ...config, relayPassword: 'wrong' }).runOnce();
  assert.equal(relay.received.length, 0);
  assert.match(b.store.getQueueEntry('Q1')!.recipients[0]!.reply!, /^4\.4\.1 no server answered: 127\.0\.0\.2\[127\.0\.0\.2\]:\d+: .*535/);

  b.clock.now = b.store.getQueueEntry('Q1')!.nextAttemptMs;
  await b.queue({ ...config, relayPassword: 'relay-secret' }).runOnce();
  assert.equal(relay.received.length, 1);
  assert.deepEqual(relay.received[0]!.rcptTo, ['a@one.test', 'b@two.test']);
  assert.equal(relay.received[0]!.tls, true);
  assert.equal(relay.received[0]!.user, 'tandem');
  assert.deepEqual(b.store.listQueue(), []);
});

test('a relay on implicit TLS (RFC 8314, port 465 style) gets the message over TLS', async (t) => {
  const { b, port, sink: relay } = await setUp(t, {}, { host: '127.0.0.2', options: { tls: await testCertificate(), implicitTls: true } });
  await b.send(1, ['a@one.test']);
  await b.queue({ relay: { host: '127.0.0.2', port, tls: 'tls', tlsVerify: false, user: undefined, passwordFile: undefined } }).runOnce();
  assert.equal(relay.received.length, 1);
  assert.equal(relay.received[0]!.tls, true);
});

test('8-bit content is declared BODY=8BITMIME (RFC 6152) and reaches the server byte for byte', async (t) => {
  const { b, port, sink: relay } = await setUp(t, {}, { host: '127.0.0.1' });
  const bytes = Buffer.from('Subject: caf\u00e9\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nd\u00e9j\u00e0 vu\r\n', 'utf8');
  const r = await b.log.propose({
    type: 'message.send', timestampMs: t0, dedupeKey: '8bit', queueId: 'E8', envelope: { mailFrom: sender, rcptTo: ['x@one.test'] },
    recipients: [], remote: ['x@one.test'], message: bytes,
  });
  assert.ok(r.ok);
  await b.queue({ relay: { host: '127.0.0.1', port, tls: 'none', tlsVerify: true, user: undefined, passwordFile: undefined } }).runOnce();
  assert.deepEqual(relay.received[0]!.mailArgs, { SIZE: String(bytes.length), BODY: '8BITMIME' });
  assert.deepEqual(relay.received[0]!.bytes, bytes);
});

test('a relay by name is found by the system resolver (/etc/hosts: localhost), every address tried', async (t) => {
  const { b, port, sink: relay } = await setUp(t, {}, { host: '127.0.0.1' });
  await b.send(1, ['a@one.test']);
  await b.queue({ relay: { host: 'localhost', port, tls: 'none', tlsVerify: true, user: undefined, passwordFile: undefined } }).runOnce();
  assert.deepEqual(relay.received.map((m) => m.rcptTo), [['a@one.test']]);
  assert.deepEqual(b.store.listQueue(), []);
});

test('an attempt whose outcome cannot be recorded is not repeated at the next scan, only a minute later', async (t) => {
  const { b, sink: mx } = await setUp(t, { 'remote.test': { MX: [{ preference: 10, exchange: 'mx.remote.test' }] }, 'mx.remote.test': { A: ['127.0.0.2'] } }, { host: '127.0.0.2' });
  mx.policy = () => '451 4.3.2 later';
  await b.send(1, ['a@remote.test']);
  const refusing: CommandLog = { propose: () => Promise.reject(new Error('the log refused it')), close: async () => undefined };
  const q = b.queue({ commandLog: refusing });
  await q.runOnce();
  assert.ok(b.lines.some((l) => l.msg.startsWith('outbound: an attempt failed') && l.fields.queueId === 'Q1'));
  await q.runOnce();
  assert.equal(mx.asked.length, 1, 'not knocked on again at once');
  b.clock.now += limits.outboundRetryDelaysMs[0]!;
  await q.runOnce();
  assert.equal(mx.asked.length, 2, 'tried again a minute later');
  assert.equal(b.store.getQueueEntry('Q1')!.attempts, 0, 'nothing was recorded');
});

test('stop() cuts a transaction stuck on a silent server at once; the recipient stays pending, no outcome recorded', async (t) => {
  const { b, port } = await setUp(t, { 'remote.test': { MX: [{ preference: 10, exchange: 'mx.remote.test' }] }, 'mx.remote.test': { A: ['127.0.0.2'] } });
  // Accepts the connection and never greets: the client would wait limits.outboundConnectTimeoutMs.
  const sockets: Socket[] = [];
  let connected: () => void = () => undefined;
  const seen = new Promise<void>((resolve) => { connected = resolve; });
  const silent = createServer((socket) => { sockets.push(socket); connected(); });
  await new Promise<void>((resolve) => silent.listen(port, '127.0.0.2', resolve));
  t.after(() => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); silent.close(() => resolve()); }));
  await b.send(1, ['a@remote.test']);
  const q = b.queue({});
  q.start();
  await seen;
  const stopped = await Promise.race([q.stop().then(() => 'stopped'), new Promise((resolve) => setTimeout(resolve, 5_000, 'still waiting')).then((v) => v)]);
  assert.equal(stopped, 'stopped', 'stop() did not wait for the greeting timeout');
  const entry = b.store.getQueueEntry('Q1')!;
  assert.deepEqual([entry.attempts, entry.recipients[0]!.state, entry.recipients[0]!.attempts], [0, 'pending', 0]);
});

test('message.send through the log leaves the local copy and the queue entry in one step (the value says what was queued)', async () => {
  const b = await bed({}, 25);
  try {
    const r = await b.log.propose({
      type: 'message.send', timestampMs: t0, dedupeKey: 'both', queueId: 'QB', envelope: { mailFrom: sender, rcptTo: [sender, 'x@remote.test'] },
      recipients: [{ user: sender, mailbox: 'INBOX' }], remote: ['x@remote.test'], message: Buffer.from('Subject: both\r\n\r\nx\r\n'),
    });
    assert.ok(r.ok);
    assert.deepEqual((r.value as DeliverValue).queued, ['x@remote.test']);
    assert.equal(b.store.listMessages(sender, 'INBOX').length, 1);
    assert.equal(b.store.listQueue().length, 1);
  } finally {
    await b.close();
  }
});
