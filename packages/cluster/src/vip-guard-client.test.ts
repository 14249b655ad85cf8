// Goal: the guard process and its client, in hook mode (no root): the VIP is added once, kept while renewed, and removed on release, lease expiry, parent death, SIGTERM, guard death and failed add.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { VipHolderProcess } from '../../../test/cluster/vip-holder-process.js';
import { monotonicNowMs } from './monotonic-clock.js';
import { VipGuardClient, type VipGuardExit } from './vip-guard-client.js';
import { VipGuardExitedError } from './vip-errors.js';

const dir = mkdtempSync(join(tmpdir(), 'tandem-vip-hook-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let hookCount = 0;

/** A hook script that appends its arguments to a log; `failAdd` makes "add" exit 3. */
function makeHook(options: { failAdd?: boolean } = {}): { hook: string; calls: () => string[] } {
  hookCount++;
  const log = join(dir, `hook-${hookCount}.log`);
  const hook = join(dir, `hook-${hookCount}.sh`);
  writeFileSync(hook, `#!/bin/sh\necho "$*" >> ${log}\n${options.failAdd ? '[ "$1" = add ] && { echo "cloud says no" >&2; exit 3; }\n' : ''}exit 0\n`);
  chmodSync(hook, 0o755);
  return { hook, calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : []) };
}

/** Polls (every 10 ms, bounded) until `predicate` holds; returns the CLOCK_MONOTONIC ms it first held. */
async function until(what: string, timeoutMs: number, predicate: () => boolean): Promise<number> {
  const deadline = monotonicNowMs() + timeoutMs;
  while (monotonicNowMs() < deadline) {
    if (predicate()) return monotonicNowMs();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

function exitOf(client: VipGuardClient): Promise<VipGuardExit> {
  return new Promise((resolve) => client.once('exit', resolve));
}

const vip = '10.200.0.100/24';

test('start adds once through the hook, renewals keep the VIP past the lease, release removes it and the guard exits 0', async () => {
  const { hook, calls } = makeHook();
  const client = new VipGuardClient({ vip, dev: 'eth7', leaseMs: 400, hook });
  await client.prepare();
  assert.deepEqual(calls(), [], 'a standby guard adds nothing');
  await client.start();
  assert.equal(client.held, true);
  assert.deepEqual(calls(), [`add ${vip} eth7`]);
  for (let i = 0; i < 10; i++) {
    assert.equal(client.renew(), true);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.deepEqual(calls(), [`add ${vip} eth7`], '1 s of renewals every 100 ms keeps a 400 ms lease');
  const exit = await client.release();
  assert.deepEqual(exit, { exitCode: 0, signal: null, releasedReason: 'release', fallbackRemoval: 'not-needed' });
  assert.deepEqual(calls(), [`add ${vip} eth7`, `del ${vip} eth7`]);
  assert.equal(client.renew(), false, 'no lease to renew after release');
});

test('without renewals the guard removes the VIP when the lease runs out, not before', async () => {
  const { hook, calls } = makeHook();
  const leaseMs = 500;
  const client = new VipGuardClient({ vip, dev: 'eth7', leaseMs, hook });
  await client.prepare();
  const exited = exitOf(client);
  const startMs = monotonicNowMs();
  await client.start();
  const removedMs = await until('hook del', 3_000, () => calls().includes(`del ${vip} eth7`));
  const elapsedMs = removedMs - startMs;
  assert.ok(elapsedMs >= leaseMs - 20 && elapsedMs <= leaseMs + 500, `removed after ${elapsedMs.toFixed(0)} ms with a ${leaseMs} ms lease`);
  const exit = await exited;
  assert.equal(exit.releasedReason, 'lease-expired');
  assert.equal(client.renew(), false);
});

test('a renewal whose deadline has passed removes the VIP at once', async () => {
  const { hook, calls } = makeHook();
  const client = new VipGuardClient({ vip, dev: 'eth7', leaseMs: 5_000, hook });
  const exited = exitOf(client);
  await client.start();
  client.renew(monotonicNowMs() - 1);
  assert.equal((await exited).releasedReason, 'lease-expired');
  assert.deepEqual(calls(), [`add ${vip} eth7`, `del ${vip} eth7`]);
});

test('kill -9 of the daemon: the guard sees stdin EOF and removes the VIP at once', async () => {
  const { hook, calls } = makeHook();
  const holder = VipHolderProcess.spawnLocal({ vip, dev: 'eth7', leaseMs: 5_000, renewMs: 500, hook });
  try {
    await holder.waitForLine('ready', 15_000);
    holder.send('start');
    await holder.waitForLine('held', 10_000);
    const killedMs = monotonicNowMs();
    process.kill(holder.pid, 'SIGKILL');
    const removedMs = await until('hook del after kill -9', 3_000, () => calls().includes(`del ${vip} eth7`));
    assert.ok(removedMs - killedMs < 1_000, `removed ${(removedMs - killedMs).toFixed(0)} ms after kill -9 (lease 5000 ms: EOF, not the lease, must trigger it)`);
    await until('the guard process to exit', 2_000, () => !processAlive(holder.guardPid));
  } finally {
    await holder.close();
  }
});

test('SIGTERM to the guard (service stop) removes the VIP; reason "signal"', async () => {
  const { hook, calls } = makeHook();
  const client = new VipGuardClient({ vip, dev: 'eth7', leaseMs: 5_000, hook });
  await client.start();
  const exit = await client.stop();
  assert.deepEqual(exit, { exitCode: 0, signal: null, releasedReason: 'signal', fallbackRemoval: 'not-needed' });
  assert.deepEqual(calls(), [`add ${vip} eth7`, `del ${vip} eth7`]);
});

test('a guard killed with SIGKILL cannot remove the VIP, so the client removes it in its place', async () => {
  const { hook, calls } = makeHook();
  const client = new VipGuardClient({ vip, dev: 'eth7', leaseMs: 5_000, hook });
  await client.start();
  const exited = exitOf(client);
  process.kill(client.pid!, 'SIGKILL');
  const exit = await exited;
  assert.deepEqual(exit, { exitCode: null, signal: 'SIGKILL', releasedReason: undefined, fallbackRemoval: 'done' });
  assert.deepEqual(calls(), [`add ${vip} eth7`, `del ${vip} eth7`]);
});

test('a failed add rejects start() with VipGuardExitedError, and the guard undoes whatever the hook may have done', async () => {
  const { hook, calls } = makeHook({ failAdd: true });
  const client = new VipGuardClient({ vip, dev: 'eth7', leaseMs: 5_000, hook });
  const failures: string[] = [];
  client.on('failed', (stage) => failures.push(stage));
  await assert.rejects(client.start(), (err: unknown) => err instanceof VipGuardExitedError && /cloud says no|add/.test(err.message));
  assert.deepEqual(failures, ['add']);
  assert.deepEqual(calls(), [`add ${vip} eth7`, `del ${vip} eth7`]);
});

test('a standby guard that is released never touches the VIP', async () => {
  const { hook, calls } = makeHook();
  const client = new VipGuardClient({ vip, dev: 'eth7', leaseMs: 5_000, hook });
  await client.prepare();
  const exit = await client.release();
  assert.equal(exit.releasedReason, 'release');
  assert.equal(exit.fallbackRemoval, 'not-needed');
  assert.deepEqual(calls(), []);
});

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
