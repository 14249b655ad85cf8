// Goal: AUTH PLAIN/LOGIN works only over TLS, a wrong password is 535 5.7.8, and repeated failures from one address are slowed down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startIntakeHarness, type IntakeHarness } from './intake-test-harness.js';
import { SmtpWireClient } from './smtp-wire-client.js';

const throttle = { failuresBeforeDelay: 2, delayMsPerFailure: 300, delayMsMax: 600, failureWindowMs: 60_000, clientsMax: 100 };
let h: IntakeHarness;
test.before(async () => {
  h = await startIntakeHarness({ authThrottle: throttle });
  await h.addUser('demo@example.test', 'demo-password-1');
});
test.after(() => h.close());

const plain = (user: string, password: string): string => `AUTH PLAIN ${Buffer.from(`\0${user}\0${password}`).toString('base64')}`;

async function submission(): Promise<SmtpWireClient> {
  const client = await SmtpWireClient.connect(h.ports.submission);
  await client.send('EHLO client.elsewhere.test');
  assert.equal((await client.startTls()).code, 220);
  await client.send('EHLO client.elsewhere.test');
  return client;
}

test('AUTH PLAIN and AUTH LOGIN after STARTTLS: 235 2.7.0', async () => {
  const a = await submission();
  const reply = await a.send(plain('demo@example.test', 'demo-password-1'));
  assert.equal(`${reply.code} ${reply.enhancedCode}`, '235 2.7.0');
  await a.quit();
  const b = await submission();
  assert.equal((await b.send('AUTH LOGIN')).code, 334);
  assert.equal((await b.send(Buffer.from('Demo@Example.TEST').toString('base64'))).code, 334);
  const login = await b.send(Buffer.from('demo-password-1').toString('base64'));
  assert.equal(`${login.code} ${login.enhancedCode}`, '235 2.7.0', 'user names are case-insensitive');
  await b.quit();
});

test('a wrong password and an unknown user both get 535 5.7.8; after the free failures each attempt waits longer', async () => {
  const client = await submission();
  const elapsedMs: number[] = [];
  for (const [user, password] of [['demo@example.test', 'wrong-1'], ['nobody@example.test', 'wrong-2'], ['demo@example.test', 'wrong-3'], ['demo@example.test', 'wrong-4']] as const) {
    const started = performance.now();
    const reply = await client.send(plain(user, password));
    elapsedMs.push(performance.now() - started);
    assert.equal(`${reply.code} ${reply.enhancedCode}`, '535 5.7.8');
    assert.equal(reply.lines[0], 'authentication credentials invalid');
  }
  // Failures 1 and 2 are free; attempt 3 waits ≥ 300 ms, attempt 4 ≥ 600 ms (the cap).
  assert.ok(elapsedMs[2]! >= 300, `third attempt delayed: ${elapsedMs.map(Math.round).join(', ')} ms`);
  assert.ok(elapsedMs[3]! >= 600, `fourth attempt delayed more: ${elapsedMs.map(Math.round).join(', ')} ms`);
  // The right password is still accepted, after the delay (the delay does not reveal which one is right).
  const started = performance.now();
  const ok = await client.send(plain('demo@example.test', 'demo-password-1'));
  assert.equal(ok.code, 235);
  assert.ok(performance.now() - started >= 600);
  await client.quit();
});

test('a malformed PLAIN token is a syntax error, not a failed login', async () => {
  const client = await submission();
  const reply = await client.send('AUTH PLAIN !!!not-base64!!!');
  assert.equal(reply.code, 501);
  await client.quit();
});
