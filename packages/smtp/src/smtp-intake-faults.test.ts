// Goal: command-log failures become the right reply — 451 when nothing was proposed, no reply at all when the outcome is unknown — and over-quota is 552 5.2.2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NotLeaderError, OutcomeUnknownError } from '@tandem/store';
import { startIntakeHarness, type IntakeHarness } from './intake-test-harness.js';
import { SmtpConnectionClosedError, SmtpWireClient } from './smtp-wire-client.js';

const errors: Array<Record<string, unknown>> = [];
const logger = { debug() {}, info() {}, warn() {}, error: (fields: object) => { errors.push(fields as Record<string, unknown>); } };
let h: IntakeHarness;
test.before(async () => {
  h = await startIntakeHarness({ logger });
  await h.addUser('demo@example.test', 'demo-password-1');
  await h.addUser('tiny@example.test', 'tiny-password-1', 100);
});
test.after(() => h.close());

async function transaction(rcpt = 'demo@example.test', body = 'hello'): Promise<{ client: SmtpWireClient; reply: Promise<unknown> }> {
  const client = await SmtpWireClient.connect(h.ports.mx);
  await client.send('EHLO client.elsewhere.test');
  await client.send('MAIL FROM:<a@elsewhere.test>');
  await client.send(`RCPT TO:<${rcpt}>`);
  await client.send('DATA');
  client.write(`Subject: t\r\n\r\n${body}\r\n.\r\n`);
  return { client, reply: client.readReply() };
}

test('NotLeaderError (nothing proposed): 451 4.3.0', async () => {
  h.faults.push(new NotLeaderError());
  const { client, reply } = await transaction();
  assert.deepEqual(await reply.then((r) => r && [(r as { code: number }).code, (r as { enhancedCode: string }).enhancedCode]), [451, '4.3.0']);
  await client.quit();
  assert.equal(h.store.listMessages('demo@example.test', 'INBOX').length, 0);
});

test('OutcomeUnknownError: the connection is closed without any reply', async () => {
  h.faults.push(new OutcomeUnknownError('leadership lost'));
  const { client, reply } = await transaction();
  await assert.rejects(reply, (err: unknown) => err instanceof SmtpConnectionClosedError && err.pendingBytes === '');
  await client.closed;
});

test('an unexpected error: 451 4.3.0 naming the session, logged with the session id', async () => {
  errors.length = 0;
  h.faults.push(new TypeError('disk on fire'));
  const { client, reply } = await transaction();
  const r = await reply as { code: number; enhancedCode: string; lines: string[] };
  assert.equal(`${r.code} ${r.enhancedCode}`, '451 4.3.0');
  const session = /\(session (\S+)\)$/.exec(r.lines[0] ?? '')?.[1];
  assert.ok(session, r.lines[0]);
  assert.equal(errors.length, 1);
  assert.equal(errors[0]?.session, session);
  await client.quit();
});

test('over quota (NOQUOTA from apply): 552 5.2.2 and nothing stored', async () => {
  const { client, reply } = await transaction('tiny@example.test', 'x'.repeat(500));
  const r = await reply as { code: number; enhancedCode: string };
  assert.equal(`${r.code} ${r.enhancedCode}`, '552 5.2.2');
  await client.quit();
  assert.equal(h.store.listMessages('tiny@example.test', 'INBOX').length, 0);
});

test('after the faults, delivery works again', async () => {
  const { client, reply } = await transaction();
  assert.equal((await reply as { code: number }).code, 250);
  await client.quit();
  assert.equal(h.store.listMessages('demo@example.test', 'INBOX').length, 1);
});

test('more message bytes in memory than the budget: 451 4.3.1 after the final dot, nothing kept, and the budget is whole again', async () => {
  const small = await startIntakeHarness({ bufferedBytesMax: 4096 });
  try {
    await small.addUser('demo@example.test', 'demo-password-1');
    const client = await SmtpWireClient.connect(small.ports.mx);
    await client.send('EHLO client.elsewhere.test');
    const refused = await client.sendMail('a@elsewhere.test', ['demo@example.test'], `Subject: big\r\n\r\n${'b'.repeat(500)}\r\n`.repeat(10));
    assert.equal(`${refused.at(-1)?.code} ${refused.at(-1)?.enhancedCode}`, '451 4.3.1');
    assert.equal(small.store.listMessages('demo@example.test', 'INBOX').length, 0);
    const taken = await client.sendMail('a@elsewhere.test', ['demo@example.test'], `Subject: small\r\n\r\n${'s'.repeat(3000)}\r\n`);
    assert.equal(taken.at(-1)?.code, 250);
    await client.quit();
    assert.equal(small.store.listMessages('demo@example.test', 'INBOX').length, 1);
  } finally {
    await small.close();
  }
});
