// Goal: with outbound configured, submission queues remote recipients in the same transaction as the local
// copies — but only for an authenticated user sending as themselves or an exact alias of theirs (553 5.7.1
// otherwise: a colleague, a catch-all's any-address, the null sender), and never from the MX port. The sessions
// run on their own thread, as in tandemd, so the accepted-recipient cache is exercised too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startIntakeHarness, type IntakeHarness } from './intake-test-harness.js';
import { SmtpWireClient, type SmtpResponse } from './smtp-wire-client.js';

let h: IntakeHarness;
test.before(async () => {
  h = await startIntakeHarness({ thread: true, outbound: true });
  await h.addUser('demo@example.test', 'demo-password-1');
  await h.addUser('colleague@example.test', 'colleague-password-1');
  for (const [source, target] of [['sales@example.test', 'demo@example.test'], ['@example.test', 'demo@example.test']]) {
    const r = await h.propose({ type: 'alias.add', source: source!, target: target!, timestampMs: 3 });
    assert.ok(r.ok);
  }
});
test.after(() => h.close());

const code = (reply: SmtpResponse | undefined): string => `${reply?.code} ${reply?.enhancedCode}`;

async function submitter(): Promise<SmtpWireClient> {
  const client = await SmtpWireClient.connect(h.ports.submissions, { tls: true });
  await client.send('EHLO client.example.test');
  assert.equal(code(await client.send(`AUTH PLAIN ${Buffer.from('\0demo@example.test\0demo-password-1').toString('base64')}`)), '235 2.7.0');
  return client;
}

test('as themselves: local and remote recipients in one transaction, one 250; the remote ones wait in the queue', async () => {
  const client = await submitter();
  assert.equal(code(await client.send('MAIL FROM:<demo@example.test>')), '250 2.1.0');
  assert.equal(code(await client.send('RCPT TO:<colleague@example.test>')), '250 2.1.5');
  assert.equal(code(await client.send('RCPT TO:<friend@remote.test>')), '250 2.1.5');
  assert.equal(code(await client.send('RCPT TO:<Other@Remote.TEST>')), '250 2.1.5');
  assert.equal((await client.send('DATA')).code, 354);
  const done = await client.send('Subject: out\r\n\r\nhello\r\n.');
  assert.equal(code(done), '250 2.0.0');
  await client.quit();
  const [entry, ...more] = h.store.listQueue();
  assert.equal(more.length, 0);
  assert.equal(entry!.mailFrom, 'demo@example.test');
  assert.deepEqual(entry!.recipients.map((r) => r.address), ['friend@remote.test', 'Other@remote.test']);
  assert.match(done.lines[0]!, new RegExp(`queued as ${entry!.queueId}$`));
  assert.equal(h.store.listMessages('colleague@example.test', 'INBOX').length, 1);
  assert.deepEqual(await h.store.readQueued(entry!.queueId), await h.store.readMessage('colleague@example.test', 'INBOX', 1));
});

test('as an exact alias of theirs: accepted; as a colleague, a catch-all address or <>: 553 5.7.1 for remote recipients only', async () => {
  const client = await submitter();
  assert.equal(code(await client.send('MAIL FROM:<Sales@example.test>')), '250 2.1.0');
  assert.equal(code(await client.send('RCPT TO:<friend@remote.test>')), '250 2.1.5');
  await client.send('RSET');
  for (const sender of ['colleague@example.test', 'anything@example.test', '']) {
    assert.equal(code(await client.send(`MAIL FROM:<${sender}>`)), '250 2.1.0');
    const refused = await client.send('RCPT TO:<friend@remote.test>');
    assert.equal(code(refused), '553 5.7.1', sender);
    assert.equal(refused.lines[0], `<${sender}>: sender address rejected: not owned by user demo@example.test; mail to other domains must be sent from your own address or one of your aliases`);
    // A local recipient in the same transaction is still fine: that mail never leaves.
    assert.equal(code(await client.send('RCPT TO:<colleague@example.test>')), '250 2.1.5');
    await client.send('RSET');
  }
  await client.quit();
});

test('the MX port never relays, outbound or not: 554 5.7.1', async () => {
  const client = await SmtpWireClient.connect(h.ports.mx);
  await client.send('EHLO client.elsewhere.test');
  await client.send('MAIL FROM:<demo@example.test>');
  assert.equal(code(await client.send('RCPT TO:<friend@remote.test>')), '554 5.7.1');
  await client.quit();
});
