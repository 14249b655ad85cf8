// Goal: the mail log has one info line per accepted message, written once the delivery is durable, with what an admin searches by (queue id of the 250, client, HELO, AUTH user, envelope, size, Message-ID); a retried transaction says it was a duplicate of the same queue id; a refused transaction writes no acceptance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startIntakeHarness, type IntakeHarness } from './intake-test-harness.js';
import { SmtpWireClient } from './smtp-wire-client.js';

const lines: Array<{ level: string; fields: Record<string, unknown>; message: string }> = [];
const record = (level: string) => (fields: object, message: string): void => { lines.push({ level, fields: fields as Record<string, unknown>, message }); };
const logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
const accepted = (): Array<Record<string, unknown>> => lines.filter((l) => l.message === 'message accepted').map((l) => { assert.equal(l.level, 'info'); return l.fields; });

let h: IntakeHarness;
test.before(async () => {
  h = await startIntakeHarness({ logger });
  await h.addUser('demo@example.test', 'demo-password-1');
  await h.addUser('other@example.test', 'other-password-1');
});
test.after(() => h.close());

test('an MX delivery: one line with the 250\'s queue id, the client, HELO, envelope, size and Message-ID; a retry is logged as its duplicate', async () => {
  lines.length = 0;
  const message = Buffer.from('From: a@elsewhere.test\r\nMessage-ID:\r\n <log.1@elsewhere.test>\r\nSubject: log\r\n\r\nbody\r\n');
  const client = await SmtpWireClient.connect(h.ports.mx);
  await client.send('EHLO client.elsewhere.test');
  const replies = await client.sendMail('a@elsewhere.test', ['demo@example.test', 'other@example.test'], message);
  const queueId = /queued as (\S+)/.exec(replies.at(-1)?.lines[0] ?? '')?.[1];
  assert.ok(queueId);
  const [line, ...more] = accepted();
  assert.deepEqual(more, [], 'one line per message, not per recipient');
  assert.equal(line!.queueId, queueId);
  assert.match(String(line!.client), /127\.0\.0\.1$/);
  assert.equal(line!.helo, 'client.elsewhere.test');
  assert.equal(line!.from, 'a@elsewhere.test');
  assert.deepEqual(line!.to, ['demo@example.test', 'other@example.test']);
  assert.equal(line!.sizeBytes, message.length, 'the size as received, before trace headers');
  assert.equal(line!.messageId, '<log.1@elsewhere.test>');
  assert.equal(line!.user, undefined);
  assert.equal(line!.duplicate, undefined);
  assert.equal(typeof line!.session, 'string');
  // The same transaction again gets the same queue id, and the log says so.
  const again = await client.sendMail('a@elsewhere.test', ['demo@example.test', 'other@example.test'], message);
  assert.equal(again.at(-1)?.lines[0], replies.at(-1)?.lines[0]);
  const retried = accepted()[1]!;
  assert.equal(retried.queueId, queueId);
  assert.equal(retried.duplicate, true);
  await client.quit();
});

test('a submission names its AUTH user; a message without Message-ID is logged without one', async () => {
  lines.length = 0;
  const client = await SmtpWireClient.connect(h.ports.submission);
  await client.send('EHLO laptop.example.test');
  await client.startTls();
  await client.send('EHLO laptop.example.test');
  const auth = await client.send(`AUTH PLAIN ${Buffer.from('\u0000demo@example.test\u0000demo-password-1').toString('base64')}`);
  assert.equal(auth.code, 235);
  const replies = await client.sendMail('demo@example.test', ['other@example.test'], 'Subject: no id\r\n\r\nhi\r\n');
  assert.equal(replies.at(-1)?.code, 250);
  await client.quit();
  const [line] = accepted();
  assert.equal(line!.user, 'demo@example.test');
  assert.equal(line!.from, 'demo@example.test');
  assert.equal(line!.messageId, undefined);
});

test('a refused transaction is not logged as accepted', async () => {
  lines.length = 0;
  const client = await SmtpWireClient.connect(h.ports.mx);
  await client.send('EHLO client.elsewhere.test');
  const replies = await client.sendMail('a@elsewhere.test', ['nobody@example.test'], 'Subject: x\r\n\r\nx\r\n');
  assert.equal(replies.at(-1)?.code, 503, 'no valid recipient: DATA is refused');
  await client.quit();
  assert.deepEqual(accepted(), []);
});
