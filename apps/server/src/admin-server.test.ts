// Goal: the admin socket is private (0600), demands the token, answers malformed requests with a clear JSON error, and never steals a live daemon's socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { limits } from '@tandem/config';
import { LocalCommandLog, MailStore } from '@tandem/store';
import { AdminOperations } from './admin-operations.js';
import { AdminServer } from './admin-server.js';
import { AdminStream } from './admin-stream.js';

const dir = mkdtempSync(join(tmpdir(), 'tandem-admin-'));
const socketPath = join(dir, 'admin.sock');
const token = 'test-token-0123456789';
let store: MailStore;
let log: LocalCommandLog;
let server: AdminServer;
const logLines: string[] = [];

test.before(async () => {
  store = await MailStore.open({ dataDir: dir });
  log = await LocalCommandLog.open({ dir: join(dir, 'log'), store });
  writeFileSync(socketPath, ''); // a stale file left by a killed daemon
  const operations = new AdminOperations({
    reader: store, commandLog: log, nowMs: () => 1_000, status: () => ({ up: true }),
    extra: { 'test.stream': async (args) => testStream(Number(args.failAfter ?? -1)) },
  });
  server = await AdminServer.start({ socketPath, token, operations, logger: pino({ level: 'info' }, { write: (line: string) => { logLines.push(line); } }) });
});
test.after(async () => {
  await server.close();
  await log.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function call(path: string, body: string | Buffer, options: { auth?: string; method?: string } = {}): Promise<{ status: number; json: { ok: boolean; result?: unknown; error?: { code: string; message: string } } }> {
  return new Promise((resolve, reject) => {
    const req = request({
      socketPath, path, method: options.method ?? 'POST',
      headers: { authorization: options.auth ?? `Bearer ${token}`, 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => { text += c.toString('utf8'); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as never }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('the socket replaced the stale file and is mode 0600', () => {
  assert.equal(statSync(socketPath).mode & 0o777, 0o600);
  assert.ok(statSync(socketPath).isSocket());
});

test('without the right token: 401 UNAUTHORIZED, nothing changed', async () => {
  for (const auth of ['', 'Bearer wrong-token-0123456789', `Basic ${token}`]) {
    const { status, json } = await call('/v1/domain.add', '{"domain":"example.org"}', { auth });
    assert.equal(status, 401);
    assert.equal(json.error?.code, 'UNAUTHORIZED');
  }
  assert.deepEqual(store.listDomains(), []);
});

test('a write goes through the command log and is visible at once', async () => {
  const before = store.appliedIndex;
  const { status, json } = await call('/v1/domain.add', '{"domain":"Example.ORG"}');
  assert.equal(status, 200);
  assert.deepEqual(json.result, { index: before + 1 });
  assert.deepEqual(store.listDomains(), ['example.org']);
  const again = await call('/v1/domain.add', '{"domain":"example.org"}');
  assert.equal(again.status, 409);
  assert.equal(again.json.error?.code, 'EXISTS');
});

test('malformed requests: unknown operation, wrong method, bad JSON, bad arguments, too large', async () => {
  const unknown = await call('/v1/user.rename', '{}');
  assert.equal(unknown.status, 404);
  assert.match(unknown.json.error?.message ?? '', /^unknown operation "user\.rename"; known: status, test\.stream, user\.list, /);
  assert.equal((await call('/v1/status', '', { method: 'GET' })).status, 404);
  assert.deepEqual((await call('/v1/status', 'not json')).json.error, { code: 'INVALID', message: 'request body is not JSON' });
  assert.deepEqual((await call('/v1/domain.add', '{"domain":"bad domain"}')).json.error?.code, 'INVALID');
  assert.deepEqual((await call('/v1/user.add', '{"address":"x@example.org"}')).json.error, { code: 'INVALID', message: 'password is required' });
  const big = await call('/v1/status', Buffer.alloc(limits.adminRequestBytesMax + 1, 0x20));
  assert.equal(big.status, 413);
});

const streamed: { closed: number; chunksSent: number } = { closed: 0, chunksSent: 0 };

/** 64 chunks of 64 KiB; with failAfter ≥ 0 the source throws after that many. */
function testStream(failAfter: number): AdminStream {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  return new AdminStream({ 'content-length': String(64 * chunk.length) }, (async function* () {
    for (let i = 0; i < 64; i++) {
      if (i === failAfter) throw new Error('the disk went away');
      streamed.chunksSent++;
      yield chunk;
    }
  })(), async () => { streamed.closed++; });
}

function download(body: string): Promise<{ status: number; type: string | undefined; received: number; complete: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: '/v1/test.stream', method: 'POST', headers: { authorization: `Bearer ${token}` } }, (res) => {
      let received = 0;
      res.on('data', (c: Buffer) => { received += c.length; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], received, complete: res.complete }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], received, complete: false }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('a byte-stream answer: sent whole, or cut short on an error (never complete-looking), and closed either way', async () => {
  const whole = await download('{}');
  assert.deepEqual(whole, { status: 200, type: 'application/octet-stream', received: 64 * 64 * 1024, complete: true });
  assert.equal(streamed.closed, 1);
  const cut = await download('{"failAfter":10}');
  assert.equal(cut.status, 200);
  assert.equal(cut.complete, false);
  assert.ok(cut.received <= 10 * 64 * 1024, String(cut.received));
  assert.equal(streamed.closed, 2);
});

test('a client that goes away mid-stream: the source stops early and is closed', async () => {
  const before = streamed.chunksSent;
  await new Promise<void>((resolve, reject) => {
    const req = request({ socketPath, path: '/v1/test.stream', method: 'POST', headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.once('data', () => { req.destroy(); resolve(); });
    });
    req.on('error', () => undefined);
    req.end('{}');
    setTimeout(() => reject(new Error('no data within 5 s')), 5000).unref();
  });
  const deadline = Date.now() + 5000;
  while (streamed.closed < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(streamed.closed, 3);
  assert.ok(streamed.chunksSent - before < 64, `sent ${streamed.chunksSent - before} of 64 chunks to a client that left`);
});

test('a socket that answers belongs to a live daemon and is not taken over', async () => {
  const livePath = join(dir, 'live.sock');
  const live = createServer().listen(livePath);
  await new Promise((resolve) => live.once('listening', resolve));
  try {
    const operations = new AdminOperations({ reader: store, commandLog: log, nowMs: () => 1, status: () => ({}) });
    await assert.rejects(
      AdminServer.start({ socketPath: livePath, token, operations, logger: pino({ level: 'silent' }) }),
      /another tandemd is serving .*live\.sock; stop it first/,
    );
  } finally {
    await new Promise((resolve) => live.close(resolve));
  }
});

test('the audit trail: a line per change with its arguments but never the password, refusals with their code, reads not at all', async () => {
  logLines.length = 0;
  assert.equal((await call('/v1/domain.add', '{"domain":"audit.example"}')).status, 200);
  assert.equal((await call('/v1/user.add', '{"address":"auditor@audit.example","password":"s3cret-audit-pw"}')).status, 200);
  assert.equal((await call('/v1/user.remove', '{"address":"nobody@audit.example"}')).status, 404);
  assert.equal((await call('/v1/user.list', '{}')).status, 200);
  assert.equal((await call('/v1/status', '{}')).status, 200);
  const audit = logLines.map((l) => JSON.parse(l) as { msg: string; operation: string; args: Record<string, unknown>; outcome: string }).filter((l) => l.msg === 'admin operation');
  assert.deepEqual(audit.map((l) => [l.operation, l.args, l.outcome]), [
    ['domain.add', { domain: 'audit.example' }, 'ok'],
    ['user.add', { address: 'auditor@audit.example' }, 'ok'],
    ['user.remove', { address: 'nobody@audit.example' }, 'NOTFOUND'],
  ]);
  assert.ok(!logLines.some((l) => l.includes('s3cret-audit-pw')), 'no password in the log');
});
