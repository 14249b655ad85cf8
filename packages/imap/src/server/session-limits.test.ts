// Goal: every session limit has its defined behaviour (line and literal size, sessions per IP and per user, autologout, IDLE keepalive, command rate) and close() says BYE to every session.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { limits } from '@tandem/config';
import { demoPassword, demoUser, ImapHarness } from './imap-test-harness.js';
import type { HarnessOptions } from './imap-test-harness.js';
import { ImapLineClient } from './imap-line-client.js';

async function withHarness(options: HarnessOptions, fn: (h: ImapHarness) => Promise<void>): Promise<void> {
  const harness = await ImapHarness.start(options);
  try { await fn(harness); } finally { await harness.close(); }
}

const login = `LOGIN ${demoUser} ${demoPassword}`;

test('a line longer than imapLineBytesMax gets BAD and the session goes on', () => withHarness({}, async (h) => {
  const c = await ImapLineClient.open(h.imapPort);
  c.send(`a1 NOOP ${'x'.repeat(limits.imapLineBytesMax + 10)}\r\n`);
  assert.deepEqual(await c.untilTagged('a1'), ['a1 BAD Line too long\r\n']);
  assert.deepEqual(await c.command('a2', 'NOOP'), ['a2 OK NOOP completed\r\n']);
  c.close();
}));

test('a literal over APPENDLIMIT is refused before "+" is sent, and nothing is stored', () => withHarness({}, async (h) => {
  const c = await ImapLineClient.open(h.imapPort);
  await c.command('a1', login);
  const reply = await c.command('a2', `APPEND INBOX {${limits.imapLiteralBytesMax + 1}}`);
  assert.equal(reply.length, 1);
  assert.match(reply[0]!, /^a2 NO \[TOOBIG\] /); // RFC 9051 §7.1, RFC 7889: refused, not malformed
  assert.deepEqual(await c.command('a3', 'NOOP'), ['a3 OK NOOP completed\r\n']);
  assert.equal(h.store.listMessages(demoUser, 'INBOX').length, 0);
  c.close();
}));

test('connections beyond sessionsPerIpMax get BYE [LIMIT]; a freed slot can be used again', () => withHarness({ server: { connectionLimits: { sessionsPerIpMax: 2 } } }, async (h) => {
  const a = await ImapLineClient.open(h.imapPort);
  const b = await ImapLineClient.open(h.imapPort);
  const raw = await rawGreeting(h.imapPort);
  assert.equal(raw, '* BYE [LIMIT] Too many connections from your address\r\n');
  a.close();
  await waitFor(() => h.server.sessionCount === 1);
  const d = await ImapLineClient.open(h.imapPort);
  assert.deepEqual(await d.command('d1', 'NOOP'), ['d1 OK NOOP completed\r\n']);
  b.close();
  d.close();
}));

test('a user beyond sessionsPerUserMax gets NO [LIMIT] and stays unauthenticated', () => withHarness({ server: { connectionLimits: { sessionsPerUserMax: 1 } } }, async (h) => {
  const a = await ImapLineClient.open(h.imapPort);
  await a.command('a1', login);
  const b = await ImapLineClient.open(h.imapPort);
  assert.deepEqual(await b.command('b1', login), [`b1 NO [LIMIT] Too many sessions for this user (at most 1)\r\n`]);
  assert.deepEqual(await b.command('b2', 'SELECT INBOX'), ['b2 BAD SELECT needs you to log in first\r\n']);
  await a.command('a2', 'LOGOUT');
  await a.waitClosed();
  assert.match((await b.command('b3', login)).at(-1)!, /^b3 OK \[CAPABILITY /);
  b.close();
}));

test('autologout: an idle session gets BYE and is closed (shorter before login)', () => withHarness({ server: { timeouts: { unauthenticatedIdleTimeoutMs: 150, idleTimeoutMs: 300 } } }, async (h) => {
  const pre = await ImapLineClient.open(h.imapPort);
  assert.deepEqual(await pre.responses(1, 2000), ['* BYE Autologout; idle for too long\r\n']);
  await pre.waitClosed();
  const post = await ImapLineClient.open(h.imapPort);
  await post.command('a1', login);
  const started = Date.now();
  assert.deepEqual(await post.responses(1, 2000), ['* BYE Autologout; idle for too long\r\n']);
  assert.ok(Date.now() - started >= 250, 'the logged-in timer is the longer one');
  await post.waitClosed();
}));

test('IDLE sends a keepalive while nothing happens', () => withHarness({ server: { timeouts: { idleKeepaliveMs: 100 } } }, async (h) => {
  const c = await ImapLineClient.open(h.imapPort);
  await c.command('a1', login);
  c.send('a2 IDLE\r\n');
  assert.deepEqual(await c.responses(3, 2000), ['+ idling\r\n', '* OK Still here\r\n', '* OK Still here\r\n']);
  c.send('DONE\r\n');
  assert.equal((await c.untilTagged('a2')).at(-1), 'a2 OK IDLE terminated\r\n');
  c.close();
}));

const rate = { perSecond: 200, burst: 100 };

test('a flood of pipelined commands is slowed to the command rate, never refused', () => withHarness({ server: { commandRate: rate } }, async (h) => {
  const c = await ImapLineClient.open(h.imapPort);
  const count = rate.burst + 60;
  const started = Date.now();
  c.send(Array.from({ length: count }, (_, i) => `n${i} NOOP\r\n`).join(''));
  const replies = await c.untilTagged(`n${count - 1}`, 10_000);
  assert.equal(replies.length, count);
  assert.ok(replies.every((r, i) => r === `n${i} OK NOOP completed\r\n`));
  const minimumMs = ((count - rate.burst - 1) * 1000) / rate.perSecond;
  assert.ok(Date.now() - started >= minimumMs * 0.9, `took ${Date.now() - started} ms, expected at least ${minimumMs}`);
  c.close();
}));

test('close() says BYE to every session, selected or not, and closes them', () => withHarness({}, async (h) => {
  const a = await ImapLineClient.open(h.imapPort);
  const b = await ImapLineClient.open(h.imapsPort, true);
  await b.command('b1', login);
  await b.command('b2', 'SELECT INBOX');
  await h.server.close();
  assert.deepEqual(await a.responses(1), ['* BYE Server shutting down\r\n']);
  assert.deepEqual(await b.responses(1), ['* BYE Server shutting down\r\n']);
  await a.waitClosed();
  await b.waitClosed();
  assert.equal(h.server.sessionCount, 0);
}));

/** The first bytes a connection gets, for refusals that come instead of a greeting. */
async function rawGreeting(port: number): Promise<string> {
  const { connect } = await import('node:net');
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (d) => { text += d.toString('latin1'); });
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
}

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
