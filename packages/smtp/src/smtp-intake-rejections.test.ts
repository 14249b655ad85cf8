// Goal: every bad input gets its exact reply (code + enhanced code) and leaves nothing behind: no file, no index row, no proposal; a refused recipient or message is in the mail log with the reply it got.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startIntakeHarness, type IntakeHarness } from './intake-test-harness.js';
import { SmtpWireClient, type SmtpResponse } from './smtp-wire-client.js';

const sizeMax = 64 * 1024;
const infos: Array<{ fields: Record<string, unknown>; message: string }> = [];
const logger = { debug() {}, info: (fields: object, message: string) => { infos.push({ fields: fields as Record<string, unknown>, message }); }, warn() {}, error() {} };
let h: IntakeHarness;
let filesBefore: string[];
test.before(async () => {
  h = await startIntakeHarness({ messageSizeBytesMax: sizeMax, logger });
  await h.addUser('demo@example.test', 'demo-password-1');
  filesBefore = h.mailFiles();
});
test.after(() => h.close());

function code(reply: SmtpResponse | undefined): string {
  return `${reply?.code} ${reply?.enhancedCode}`;
}

/** Runs `body` and checks that it stored and proposed nothing. */
async function leavesNothing(body: () => Promise<void>): Promise<void> {
  const proposals = h.proposals();
  const appliedIndex = h.store.appliedIndex;
  await body();
  assert.equal(h.proposals(), proposals, 'nothing was proposed');
  assert.equal(h.store.appliedIndex, appliedIndex, 'nothing was applied');
  assert.deepEqual(h.store.listMessages('demo@example.test', 'INBOX'), []);
  assert.deepEqual(h.mailFiles(), filesBefore, 'no file anywhere under mail/, tmp/ included');
}

async function mx(): Promise<SmtpWireClient> {
  const client = await SmtpWireClient.connect(h.ports.mx);
  await client.send('EHLO client.elsewhere.test');
  return client;
}

test('unknown recipient in a local domain: 550 5.1.1, and the mail log says who was refused', () => leavesNothing(async () => {
  infos.length = 0;
  const client = await mx();
  assert.equal(code(await client.send('MAIL FROM:<a@elsewhere.test>')), '250 2.1.0');
  const reply = await client.send('RCPT TO:<nobody@example.test>');
  assert.equal(code(reply), '550 5.1.1');
  assert.equal(reply.lines[0], '<nobody@example.test>: no such user here');
  assert.equal(code(await client.send('DATA')), '503 5.5.1');
  await client.quit();
  const refused = infos.filter((l) => l.message === 'recipient refused');
  assert.equal(refused.length, 1);
  assert.equal(refused[0]!.fields.from, 'a@elsewhere.test');
  assert.deepEqual(refused[0]!.fields.to, ['nobody@example.test']);
  assert.equal(refused[0]!.fields.reply, '550 5.1.1 <nobody@example.test>: no such user here');
  assert.match(String(refused[0]!.fields.client), /127\.0\.0\.1$/);
}));

test('relay to an external domain without AUTH: 554 5.7.1', () => leavesNothing(async () => {
  const client = await mx();
  await client.send('MAIL FROM:<a@elsewhere.test>');
  const reply = await client.send('RCPT TO:<someone@elsewhere.test>');
  assert.equal(code(reply), '554 5.7.1');
  assert.equal(reply.lines[0], '<someone@elsewhere.test>: relay access denied');
  await client.quit();
}));

test('malformed addresses: 501 with 5.1.7 (sender) and 5.1.3 (recipient)', () => leavesNothing(async () => {
  const client = await mx();
  assert.equal(code(await client.send('MAIL FROM:<a@@elsewhere.test>')), '501 5.1.7');
  assert.equal(code(await client.send('MAIL FROM:no-brackets@elsewhere.test')), '501 5.1.7');
  assert.equal(code(await client.send('MAIL FROM:<a@elsewhere.test>')), '250 2.1.0');
  assert.equal(code(await client.send('RCPT TO:<no-at-sign>')), '501 5.1.3');
  assert.equal(code(await client.send('RCPT TO:<demo@exa mple.test>')), '501 5.1.3');
  assert.equal(code(await client.send('RCPT TO:<"quoted local"@example.test>')), '501 5.1.3');
  assert.equal(code(await client.send('RCPT TO:<demo@[127.0.0.1]>')), '501 5.1.3');
  await client.quit();
}));

test('SIZE declared over the limit: 552 5.3.4 at MAIL FROM', () => leavesNothing(async () => {
  const client = await mx();
  assert.equal(code(await client.send(`MAIL FROM:<a@elsewhere.test> SIZE=${sizeMax + 1}`)), '552 5.3.4');
  await client.quit();
}));

test('over-size DATA without SIZE: read to the end, then 552 5.3.4, logged; the session goes on', () => leavesNothing(async () => {
  infos.length = 0;
  const client = await mx();
  const line = `${'x'.repeat(998)}\r\n`;
  const replies = await client.sendMail('a@elsewhere.test', ['demo@example.test'], `Subject: big\r\n\r\n${line.repeat(Math.ceil(sizeMax / line.length) + 1)}`);
  const last = replies.at(-1);
  assert.equal(code(last), '552 5.3.4');
  assert.equal(last?.lines[0], `message exceeds fixed maximum message size of ${sizeMax} bytes`);
  assert.equal(code(await client.send('RSET')), '250 2.0.0');
  await client.quit();
  const refused = infos.filter((l) => l.message === 'message refused');
  assert.equal(refused.length, 1);
  assert.deepEqual(refused[0]!.fields.to, ['demo@example.test']);
  assert.equal(refused[0]!.fields.reply, `552 5.3.4 message exceeds fixed maximum message size of ${sizeMax} bytes`);
  assert.equal(infos.filter((l) => l.message === 'message accepted').length, 0);
}));

test('a 1 MB command line: 421 and the connection is closed', () => leavesNothing(async () => {
  const client = await mx();
  client.write(`MAIL FROM:<${'a'.repeat(1024 * 1024)}@elsewhere.test>\r\n`);
  const reply = await client.readReply();
  assert.equal(code(reply), '421 4.4.2');
  assert.equal(reply.lines[0], 'Error: Command line too long');
  await client.closed;
}));

test('a DATA line over 1 MiB: 554 5.6.0 after the final dot, nothing kept; a line of exactly 1 MiB is taken', async () => {
  const big = await startIntakeHarness({ messageSizeBytesMax: 4 * 1024 * 1024 });
  try {
    await big.addUser('demo@example.test', 'demo-password-1');
    const files = big.mailFiles();
    const appliedIndex = big.store.appliedIndex;
    const client = await SmtpWireClient.connect(big.ports.mx);
    await client.send('EHLO client.elsewhere.test');
    const replies = await client.sendMail('a@elsewhere.test', ['demo@example.test'], `Subject: long line\r\n\r\n${'y'.repeat(1024 * 1024 + 1)}\r\n`);
    assert.equal(code(replies.at(-1)), '554 5.6.0');
    assert.equal(big.store.appliedIndex, appliedIndex);
    assert.deepEqual(big.mailFiles(), files);
    const ok = await client.sendMail('a@elsewhere.test', ['demo@example.test'], `Subject: long line\r\n\r\n${'y'.repeat(1024 * 1024)}\r\n`);
    assert.equal(code(ok.at(-1)), '250 2.0.0');
    await client.quit();
    assert.equal(big.store.listMessages('demo@example.test', 'INBOX').length, 1);
  } finally {
    await big.close();
  }
});

test('a client that disconnects mid-DATA leaves nothing behind', () => leavesNothing(async () => {
  const client = await mx();
  await client.send('MAIL FROM:<a@elsewhere.test>');
  await client.send('RCPT TO:<demo@example.test>');
  assert.equal((await client.send('DATA')).code, 354);
  client.write(`Subject: cut off\r\n\r\n${'z'.repeat(30_000)}\r\n`);
  client.destroy();
  await client.closed;
  // The server notices the close asynchronously; a fresh transaction afterwards proves it moved on.
  const next = await mx();
  assert.equal(code(await next.send('MAIL FROM:<a@elsewhere.test>')), '250 2.1.0');
  await next.quit();
}));

test('submission without AUTH: 530 5.7.0 for MAIL; AUTH before STARTTLS: 538 5.7.0', () => leavesNothing(async () => {
  const client = await SmtpWireClient.connect(h.ports.submission);
  await client.send('EHLO client.elsewhere.test');
  assert.equal(code(await client.send('MAIL FROM:<demo@example.test>')), '530 5.7.0');
  const auth = await client.send(`AUTH PLAIN ${Buffer.from('\0demo@example.test\0demo-password-1').toString('base64')}`);
  assert.equal(code(auth), '538 5.7.0');
  assert.equal(auth.lines[0], 'Error: Must issue a STARTTLS command first');
  await client.quit();
}));

test('authenticated user to an external domain without an outbound section: 550 5.7.1, outbound delivery is not configured', () => leavesNothing(async () => {
  const client = await SmtpWireClient.connect(h.ports.submissions, { tls: true });
  await client.send('EHLO client.elsewhere.test');
  assert.equal(code(await client.send(`AUTH PLAIN ${Buffer.from('\0demo@example.test\0demo-password-1').toString('base64')}`)), '235 2.7.0');
  await client.send('MAIL FROM:<demo@example.test>');
  const reply = await client.send('RCPT TO:<friend@elsewhere.test>');
  assert.equal(code(reply), '550 5.7.1');
  assert.equal(reply.lines[0], '<friend@elsewhere.test>: outbound delivery is not configured on this server (the admin adds an "outbound" section to its config); it accepts mail for its own domains only');
  await client.quit();
}));
