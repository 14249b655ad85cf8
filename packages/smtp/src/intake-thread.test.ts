// Goal: SMTP sessions on their own thread behave as in-process intake: deliveries proposed on the store's thread land once, byte for byte; RCPT and AUTH are answered from the store's state, and a remembered acceptance never outlives a change of domains, users or aliases; failures decided on the store's thread reach the client as the right reply (or none); log lines cross over; close() answers 421 and the thread listens again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { NotLeaderError, OutcomeUnknownError } from '@tandem/store';
import { startIntakeHarness, testCertificate, type IntakeHarness } from './intake-test-harness.js';
import { SmtpIntakeThread } from './intake-thread.js';
import { SmtpConnectionClosedError, SmtpWireClient } from './smtp-wire-client.js';

const lines: Array<{ level: string; fields: Record<string, unknown>; message: string }> = [];
const record = (level: string) => (fields: object, message: string): void => { lines.push({ level, fields: fields as Record<string, unknown>, message }); };
const logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };

let h: IntakeHarness;
test.before(async () => {
  h = await startIntakeHarness({ thread: true, logger });
  await h.addUser('demo@example.test', 'demo-password-1');
  await h.addUser('tiny@example.test', 'tiny-password-1', 100);
});
test.after(() => h.close());

async function mx(): Promise<SmtpWireClient> {
  const client = await SmtpWireClient.connect(h.ports.mx);
  await client.send('EHLO client.elsewhere.test');
  return client;
}

test('a delivery through the sessions thread: 250 after apply, the bytes stored once with trace headers, logged once, nothing left in flight', async () => {
  lines.length = 0;
  const message = Buffer.from('From: a@elsewhere.test\r\nSubject: threads\r\n\r\nbody ✓ with 8-bit text\r\n.a line starting with a dot (stuffed on the wire)\r\n', 'utf8');
  const client = await mx();
  const replies = await client.sendMail('a@elsewhere.test', ['demo@example.test'], message);
  const last = replies[replies.length - 1]!;
  assert.equal(`${last.code} ${last.enhancedCode}`, '250 2.0.0');
  const queueId = /queued as (\S+)/.exec(last.lines[0] ?? '')?.[1];
  await client.quit();
  // The mail log's line is written on the store's thread, where the delivery was made: once.
  assert.deepEqual(lines.filter((l) => l.message === 'message accepted').map((l) => [l.level, l.fields.queueId, l.fields.from]), [['info', queueId, 'a@elsewhere.test']]);
  const [stored] = h.store.listMessages('demo@example.test', 'INBOX');
  assert.ok(stored);
  const bytes = readFileSync(h.store.messagePath('demo@example.test', 'INBOX', stored.uid)!);
  assert.ok(bytes.toString('utf8').startsWith('Return-Path: <a@elsewhere.test>\r\nReceived: from '));
  assert.ok(bytes.toString('utf8').includes(` id ${queueId}\r\n`), 'the queue id of the reply is in the Received header');
  assert.ok(bytes.subarray(bytes.length - message.length).equals(message), 'the bytes as sent end the file');
  assert.equal(h.intake.deliveriesInFlight, 0);
  // The same transaction again: the dedupe key computed on the sessions thread finds the first.
  const again = await mx();
  const second = await again.sendMail('a@elsewhere.test', ['demo@example.test'], message);
  assert.equal(second[second.length - 1]!.lines[0], last.lines[0]);
  await again.quit();
  assert.equal(h.store.listMessages('demo@example.test', 'INBOX').length, 1);
});

test('RCPT is answered from the store: unknown 550 5.1.1, relay 554 5.7.1, malformed 501 5.1.3', async () => {
  const client = await mx();
  await client.send('MAIL FROM:<a@elsewhere.test>');
  const unknown = await client.send('RCPT TO:<nobody@example.test>');
  assert.equal(`${unknown.code} ${unknown.enhancedCode}`, '550 5.1.1');
  const relay = await client.send('RCPT TO:<x@elsewhere.test>');
  assert.equal(`${relay.code} ${relay.enhancedCode}`, '554 5.7.1');
  const malformed = await client.send('RCPT TO:<a@@b>');
  assert.equal(malformed.code, 501);
  // A user added now is known to the very next RCPT (no cached copy on the sessions thread).
  await h.addUser('new@example.test', 'new-password-1');
  const known = await client.send('RCPT TO:<new@example.test>');
  assert.equal(known.code, 250);
  await client.quit();
});

test('an accepted recipient is remembered until domains, users or aliases change: a removal is refused at the very next RCPT', async () => {
  await h.addUser('leaving@example.test', 'leaving-password-1');
  const client = await mx();
  await client.send('MAIL FROM:<a@elsewhere.test>');
  assert.equal((await client.send('RCPT TO:<leaving@example.test>')).code, 250);
  await client.send('RSET');
  await client.send('MAIL FROM:<a@elsewhere.test>');
  assert.equal((await client.send('RCPT TO:<leaving@example.test>')).code, 250, 'accepted again (remembered)');
  const removed = await h.propose({ type: 'user.remove', address: 'leaving@example.test', timestampMs: 3 });
  assert.equal(removed.ok, true);
  const refused = await client.send('RCPT TO:<leaving@example.test>');
  assert.equal(`${refused.code} ${refused.enhancedCode}`, '550 5.1.1', 'the change reached the sessions thread before the next RCPT');
  // An alias to a user: accepted, then refused once the alias is gone.
  assert.equal((await h.propose({ type: 'alias.add', source: 'team@example.test', target: 'demo@example.test', timestampMs: 4 })).ok, true);
  assert.equal((await client.send('RCPT TO:<team@example.test>')).code, 250);
  assert.equal((await h.propose({ type: 'alias.remove', source: 'team@example.test', target: 'demo@example.test', timestampMs: 5 })).ok, true);
  assert.equal((await client.send('RCPT TO:<team@example.test>')).code, 550);
  await client.quit();
});

test('AUTH looks the user up on the store thread: 235 with the right password, 535 5.7.8 and an info line otherwise', async () => {
  const plain = (password: string): string => `AUTH PLAIN ${Buffer.from(`\0demo@example.test\0${password}`).toString('base64')}`;
  const client = await SmtpWireClient.connect(h.ports.submission);
  await client.send('EHLO client.elsewhere.test');
  assert.equal((await client.startTls()).code, 220);
  await client.send('EHLO client.elsewhere.test');
  lines.length = 0;
  const wrong = await client.send(plain('wrong-password'));
  assert.equal(`${wrong.code} ${wrong.enhancedCode}`, '535 5.7.8');
  assert.ok(lines.some((l) => l.level === 'info' && l.message === 'AUTH failed' && typeof l.fields.session === 'string'), 'the sessions thread logs through the host');
  const right = await client.send(plain('demo-password-1'));
  assert.equal(`${right.code} ${right.enhancedCode}`, '235 2.7.0');
  await client.quit();
});

test('failures decided on the store thread: NotLeader 451 4.3.0, over quota 552 5.2.2, outcome unknown closes without a reply', async () => {
  const attempt = async (rcpt: string, body: string): Promise<{ client: SmtpWireClient; reply: Promise<unknown> }> => {
    const client = await mx();
    await client.send('MAIL FROM:<a@elsewhere.test>');
    await client.send(`RCPT TO:<${rcpt}>`);
    await client.send('DATA');
    client.write(`Subject: t\r\n\r\n${body}\r\n.\r\n`);
    return { client, reply: client.readReply() };
  };
  const before = h.proposals();
  h.faults.push(new NotLeaderError());
  const notLeader = await attempt('demo@example.test', 'one');
  const r1 = await notLeader.reply as { code: number; enhancedCode: string };
  assert.equal(`${r1.code} ${r1.enhancedCode}`, '451 4.3.0');
  await notLeader.client.quit();
  assert.equal(h.proposals(), before + 1);

  const quota = await attempt('tiny@example.test', 'x'.repeat(500));
  const r2 = await quota.reply as { code: number; enhancedCode: string };
  assert.equal(`${r2.code} ${r2.enhancedCode}`, '552 5.2.2');
  await quota.client.quit();

  lines.length = 0;
  h.faults.push(new OutcomeUnknownError('leadership lost'));
  const unknown = await attempt('demo@example.test', 'two');
  await assert.rejects(unknown.reply, (err: unknown) => err instanceof SmtpConnectionClosedError && err.pendingBytes === '');
  await unknown.client.closed;
  assert.ok(lines.some((l) => l.level === 'warn' && /outcome unknown/.test(l.message)), 'logged on the store thread');
  assert.equal(h.intake.deliveriesInFlight, 0);
});

test('close() answers 421 to open sessions; the same thread listens again on new ports', async () => {
  const thread = new SmtpIntakeThread({ reader: h.store, commandLog: { propose: (c) => h.propose(c), close: async () => undefined }, logger, logLevels: ['warn', 'error'] });
  try {
    const listen = {
      hostname: 'mx.example.test', listenHost: '127.0.0.1', ports: { mx: 0, submission: 0, submissions: 0 },
      tls: await testCertificate(),
      messageSizeBytesMax: 64 * 1024,
    };
    const first = await thread.listen(listen);
    const client = await SmtpWireClient.connect(first.mx.port);
    await client.send('EHLO client.elsewhere.test');
    const closed = thread.close();
    const farewell = await client.readReply() as { code: number; enhancedCode: string };
    assert.equal(`${farewell.code} ${farewell.enhancedCode}`, '421 4.3.2');
    await closed;
    await assert.rejects(SmtpWireClient.connect(first.mx.port));
    assert.throws(() => thread.address('mx'), /not listening/);
    const second = await thread.listen(listen);
    const again = await SmtpWireClient.connect(second.mx.port);
    const ehlo = await again.send('EHLO client.elsewhere.test');
    assert.equal(ehlo.code, 250);
    await again.quit();
    await thread.close();
  } finally {
    await thread.stop();
  }
});

test('a listen that fails says why; the thread stays usable', async () => {
  const thread = new SmtpIntakeThread({ reader: h.store, commandLog: { propose: (c) => h.propose(c), close: async () => undefined }, logger, logLevels: [] });
  try {
    const taken = h.ports.mx;
    await assert.rejects(thread.listen({
      hostname: 'x', listenHost: '127.0.0.1', ports: { mx: taken, submission: 0, submissions: 0 },
      tls: { key: '', cert: '' }, messageSizeBytesMax: 1024,
    }), /SMTP mx listener on 127\.0\.0\.1:\d+: the port is already in use/);
    assert.equal(thread.listening, false);
  } finally {
    await thread.stop();
  }
});

test('a thread that dies is reported through onFailure', async () => {
  const failures: Error[] = [];
  const thread = new SmtpIntakeThread({
    reader: h.store, commandLog: { propose: (c) => h.propose(c), close: async () => undefined }, logger, logLevels: [],
    onFailure: (err) => failures.push(err),
  });
  thread.warmUp();
  // Reaching into the thread on purpose: end it as a crash would.
  const worker = (thread as unknown as { worker: { terminate(): Promise<number> } }).worker;
  await worker.terminate();
  for (let i = 0; i < 100 && failures.length === 0; i++) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(failures.length, 1);
  assert.match(failures[0]!.message, /SMTP sessions thread exited/);
  await assert.rejects(thread.listen({ hostname: 'x', listenHost: '127.0.0.1', ports: { mx: 0, submission: 0, submissions: 0 }, tls: { key: '', cert: '' }, messageSizeBytesMax: 1024 }));
});
