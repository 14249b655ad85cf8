// Goal: the local command log groups concurrent proposals into one fsync, puts a proposal made during a write into the next group, applies in log order and only what is on disk, survives torn tails and crashes by replay, rotates and compacts, and bounds its queue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, readdir, stat, writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { limits } from '@tandem/config';
import type { ApplyResult, DeliverValue } from './apply-result.js';
import type { Command } from './command.js';
import { MailStore } from './mail-store.js';
import type { MailStoreOptions } from './mail-store.js';
import { LocalCommandLog } from './local-command-log.js';
import { encodeCommand } from './command-codec.js';
import { encodeRecord } from './log-record.js';
import { LogClosedError, OutcomeUnknownError, ProposalQueueFullError } from './errors.js';
import { CommandLogCorruptError } from './store-errors.js';
import { baseTimeMs, checkConsistency, deliverCommand, fixedPasswordHash, makeTempDir } from './store-test-fixture.js';

const user = 'demo@example.test';
const at = (cmd: object): Command => ({ timestampMs: baseTimeMs, ...cmd }) as Command;

interface Node { store: MailStore; log: LocalCommandLog; fatal: Error[] }

async function openNode(dataDir: string, opts: { segmentBytesMax?: number; hooks?: Omit<MailStoreOptions, 'dataDir'> } = {}): Promise<Node> {
  const store = await MailStore.open({ dataDir, ...opts.hooks });
  const fatal: Error[] = [];
  const log = await LocalCommandLog.open({
    dir: join(dataDir, 'log'), store, onFatal: (err) => fatal.push(err),
    ...(opts.segmentBytesMax ? { segmentBytesMax: opts.segmentBytesMax } : {}),
  });
  return { store, log, fatal };
}

async function closeNode(node: Node): Promise<void> {
  await node.log.close();
  await node.store.close();
}

async function setup(node: Node): Promise<void> {
  assert.equal((await node.log.propose(at({ type: 'domain.add', domain: 'example.test' }))).ok, true);
  assert.equal((await node.log.propose(at({ type: 'user.add', address: user, passwordHash: fixedPasswordHash }))).ok, true);
}

async function withDir(prefix: string, fn: (dir: string) => Promise<void>): Promise<void> {
  const tmp = await makeTempDir(prefix);
  try { await fn(tmp.dir); } finally { await tmp.remove(); }
}

type WriteAt = (buffers: Buffer[], position: number) => number;
type WriteAtInPool = (buffers: Buffer[], position: number) => Promise<number>;

/**
 * Puts `write` in place of the log's synchronous segment write (reaching into the log on purpose);
 * it gets the real one to call. Returns what puts the real one back.
 */
function interceptWrites(log: LocalCommandLog, write: (buffers: Buffer[], position: number, real: WriteAt) => number): () => void {
  const internals = log as unknown as { writeAt: WriteAt };
  const real = internals.writeAt;
  internals.writeAt = (buffers, position) => write(buffers, position, real);
  return () => { internals.writeAt = real; };
}

/** The same for the write through libuv's pool (groups over limits.commandLogSyncWriteBytesMax). */
function interceptPoolWrites(log: LocalCommandLog, write: (buffers: Buffer[], position: number, real: WriteAtInPool) => Promise<number>): () => void {
  const internals = log as unknown as { writeAtInPool: WriteAtInPool };
  const real = internals.writeAtInPool;
  internals.writeAtInPool = (buffers, position) => write(buffers, position, real);
  return () => { internals.writeAtInPool = real; };
}

test('100 concurrent proposals share one fsync and are applied in proposal order', () => withDir('group', async (dir) => {
  const node = await openNode(dir);
  await setup(node);
  const before = node.log.stats();
  const results = await Promise.all(Array.from({ length: 100 }, (_, n) => node.log.propose(at(deliverCommand(n, user)))));
  const after = node.log.stats();
  assert.equal(after.fsyncs - before.fsyncs, 1);
  assert.equal(after.largestGroup, 100);
  assert.deepEqual(results.map((r) => r.index), Array.from({ length: 100 }, (_, n) => 3 + n));
  assert.deepEqual(results.map((r) => r.ok && (r.value as DeliverValue).deliveries[0]!.uid), Array.from({ length: 100 }, (_, n) => n + 1));
  // Sequential proposals each need their own fsync: the grouping is real, not a counter artefact.
  for (let n = 100; n < 103; n++) await node.log.propose(at(deliverCommand(n, user)));
  assert.equal(node.log.stats().fsyncs - after.fsyncs, 3);
  await closeNode(node);
}));

test('command failures come back as results, not rejections; a bad command is rejected before it is logged', () => withDir('results', async (dir) => {
  const node = await openNode(dir);
  await setup(node);
  const dup = await node.log.propose(at({ type: 'user.add', address: user, passwordHash: fixedPasswordHash }));
  assert.deepEqual(dup.ok ? dup : [dup.error, dup.index], ['EXISTS', 3]);
  await assert.rejects(node.log.propose(at({ type: 'domain.add', domain: 42 })), /domain must be a string/);
  assert.equal(node.log.lastIndex, 3);
  await closeNode(node);
  await assert.rejects(node.log.propose(at({ type: 'domain.add', domain: 'x.test' })), LogClosedError);
}));

test('a torn tail is cut off at open and the log carries on after the last whole record', () => withDir('torn', async (dir) => {
  let node = await openNode(dir);
  await setup(node);
  await node.log.propose(at(deliverCommand(1, user)));
  await closeNode(node);
  const [segment] = (await readdir(join(dir, 'log'))).map((n) => join(dir, 'log', n));
  const goodSize = (await stat(segment!)).size;
  // An unacknowledged delivery whose record was only partly written, then some zeros.
  const torn = Buffer.concat(encodeRecord(4, encodeCommand(at(deliverCommand(2, user)))));
  await appendFile(segment!, Buffer.concat([torn.subarray(0, torn.length - 5), Buffer.alloc(100)]));
  node = await openNode(dir);
  assert.equal((await stat(segment!)).size, goodSize);
  assert.equal(node.log.lastIndex, 3);
  assert.equal(node.store.listMessages(user, 'INBOX').length, 1);
  const next = await node.log.propose(at(deliverCommand(3, user)));
  assert.equal(next.index, 4);
  await closeNode(node);
  // A whole last record with a bad CRC is a torn write too (never acknowledged, so never applied).
  const sizeWith4 = (await stat(segment!)).size;
  const bad = Buffer.concat(encodeRecord(5, encodeCommand(at(deliverCommand(5, user)))));
  bad[bad.length - 1]! ^= 0xff;
  await appendFile(segment!, bad);
  node = await openNode(dir);
  assert.equal(node.log.lastIndex, 4);
  assert.equal((await stat(segment!)).size, sizeWith4);
  await closeNode(node);
  // But damage to a record the store already applied is not a torn tail: refuse to open.
  const bytes = await readFile(segment!);
  bytes[bytes.length - 1]! ^= 0xff;
  await writeFile(segment!, bytes);
  const store = await MailStore.open({ dataDir: dir });
  await assert.rejects(LocalCommandLog.open({ dir: join(dir, 'log'), store }), /store has applied 4 but the log ends at 3/);
  await store.close();
}));

test('an apply failure is fatal: waiting proposals get OutcomeUnknownError, a reopen replays them', () => withDir('replay', async (dir) => {
  let failAt = 6;
  let node = await openNode(dir, { hooks: { beforeCommit: (i) => { if (i === failAt) throw new Error('disk on fire'); } } });
  await setup(node);
  await node.log.propose(at(deliverCommand(0, user))); // index 3, committed before the failure
  const settled = await Promise.allSettled(Array.from({ length: 5 }, (_, n) => node.log.propose(at(deliverCommand(n + 1, user)))));
  // Indexes 4..8 were one group and one commit: the failure at 6 fails the commit they share.
  assert.ok(settled.every((s) => s.status === 'rejected' && s.reason instanceof OutcomeUnknownError));
  assert.deepEqual(node.fatal.map((e) => e.message), ['disk on fire']);
  await assert.rejects(node.log.propose(at(deliverCommand(9, user))), LogClosedError);
  await closeNode(node);
  failAt = -1;
  node = await openNode(dir);
  // Replay starts after the store's checkpoint (2, the user.add): index 3 was applied but never
  // checkpointed, so its file is redone; 4..8 were durable in the log, so they are applied.
  assert.equal(node.log.stats().replayed, 6, 'indexes 3..8 come again at open');
  assert.equal(node.store.checkpointIndex, 8, 'recovery ends with a checkpoint');
  assert.deepEqual(node.store.listMessages(user, 'INBOX').map((m) => m.uid), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(await checkConsistency(node.store), { filesWithoutRow: [], rowsWithoutFile: [] });
  await closeNode(node);
}));

test('segments rotate and applied ones are deleted; a reopen sees everything', () => withDir('rotate', async (dir) => {
  let node = await openNode(dir, { segmentBytesMax: 2000 });
  await setup(node);
  for (let n = 0; n < 40; n++) await node.log.propose(at(deliverCommand(n, user, 'INBOX', { body: `m${n} ${'x'.repeat(300)}` })));
  // Compaction runs in the background (it checkpoints the store first); close() finishes it.
  await closeNode(node);
  const files = await readdir(join(dir, 'log'));
  assert.ok(files.length <= 2 && files.every((f) => /^\d{20}\.log$/.test(f)), files.join(' '));
  node = await openNode(dir, { segmentBytesMax: 2000 });
  assert.equal(node.log.lastIndex, 42);
  assert.equal(node.store.listMessages(user, 'INBOX').length, 40);
  assert.equal((await node.log.propose(at(deliverCommand(99, user)))).index, 43);
  await closeNode(node);
}));

test('damage before the last segment is corruption, not a torn tail', () => withDir('corrupt', async (dir) => {
  let node = await openNode(dir, { segmentBytesMax: 200 });
  await setup(node);
  for (let n = 0; n < 5; n++) await node.log.propose(at(deliverCommand(n, user)));
  await closeNode(node);
  const names = (await readdir(join(dir, 'log'))).sort();
  // Plant an older, damaged segment before the live one (applied segments were already deleted).
  const first = Number(names[0]!.slice(0, 20));
  const record = Buffer.concat(encodeRecord(first - 1, encodeCommand(at(deliverCommand(7, user)))));
  record[record.length - 1]! ^= 1;
  await writeFile(join(dir, 'log', `${String(first - 1).padStart(20, '0')}.log`), record);
  const store = await MailStore.open({ dataDir: dir });
  await assert.rejects(LocalCommandLog.open({ dir: join(dir, 'log'), store }), CommandLogCorruptError);
  await store.close();
}));

test('the pending queue is bounded: the proposal beyond the limit is refused, nothing of it logged', () => withDir('bounded', async (dir) => {
  const node = await openNode(dir);
  await setup(node);
  const accepted: Array<Promise<ApplyResult>> = [];
  for (let n = 0; n < limits.proposalsPendingMax; n++) {
    accepted.push(node.log.propose(at({ type: 'mailbox.subscribe', user, mailbox: `m${n}`, subscribed: true })));
  }
  await assert.rejects(node.log.propose(at({ type: 'mailbox.subscribe', user, mailbox: 'over', subscribed: true })), ProposalQueueFullError);
  const results = await Promise.all(accepted);
  assert.ok(results.every((r) => r.ok));
  assert.equal(node.log.lastIndex, 2 + limits.proposalsPendingMax);
  assert.ok(!node.store.listSubscriptions(user).includes('over'));
  await closeNode(node);
}));

test('a proposal made during a write goes into the next group, which is written once the first has returned; results keep log order', () => withDir('next-group', async (dir) => {
  const node = await openNode(dir);
  await setup(node);
  // Watch every synchronous write, and propose from inside the first one, as a message arriving
  // while the disk works would be proposed right after it (reaching into the log on purpose).
  const writes: Array<{ records: number; duringAnother: boolean }> = [];
  const late: Array<Promise<ApplyResult>> = [];
  let writing = false;
  const restore = interceptWrites(node.log, (buffers, position, real) => {
    writes.push({ records: buffers.length / 2, duringAnother: writing }); // encodeRecord: a head and the command
    writing = true;
    try {
      if (writes.length === 1) late.push(node.log.propose(at(deliverCommand(3, user))), node.log.propose(at(deliverCommand(4, user))));
      return real(buffers, position);
    } finally {
      writing = false;
    }
  });
  const early = [0, 1, 2].map((n) => node.log.propose(at(deliverCommand(n, user))));
  const results = await Promise.all(early);
  assert.equal(late.length, 2, 'proposed during the first write');
  results.push(...await Promise.all(late));
  restore();
  assert.deepEqual(writes, [{ records: 3, duringAnother: false }, { records: 2, duringAnother: false }],
    'one write for the three proposals made together, then one for the two made during it');
  assert.deepEqual(results.map((r) => r.index), [3, 4, 5, 6, 7]);
  assert.deepEqual(results.map((r) => r.ok && (r.value as DeliverValue).deliveries[0]!.uid), [1, 2, 3, 4, 5]);
  assert.equal(node.log.stats().largestGroup, 3);
  await closeNode(node);
}));

test('nothing is applied before its write has returned', () => withDir('durable-first', async (dir) => {
  const node = await openNode(dir);
  await setup(node);
  const seen: number[] = [];
  const restore = interceptWrites(node.log, (buffers, position, real) => {
    seen.push(node.store.listMessages(user, 'INBOX').length);
    return real(buffers, position);
  });
  for (let n = 0; n < 3; n++) await node.log.propose(at(deliverCommand(n, user)));
  restore();
  assert.deepEqual(seen, [0, 1, 2]);
  await closeNode(node);
}));

test('a short write is carried on from where it stopped; a reopen reads every record whole', () => withDir('short', async (dir) => {
  const node = await openNode(dir);
  await setup(node);
  // The first write of the group stops after 100 bytes (as a write may), mid-record.
  const calls: number[] = [];
  const restore = interceptWrites(node.log, (buffers, position, real) => {
    calls.push(position);
    if (calls.length > 1) return real(buffers, position);
    return real([Buffer.concat(buffers).subarray(0, 100)], position);
  });
  const fsyncsBefore = node.log.stats().fsyncs;
  const results = await Promise.all([0, 1, 2].map((n) => node.log.propose(at(deliverCommand(n, user)))));
  restore();
  assert.ok(results.every((r) => r.ok));
  assert.equal(calls.length, 2, 'the rest of the group in a second write');
  assert.equal(calls[1]! - calls[0]!, 100, 'from exactly where the first stopped');
  assert.equal(node.log.stats().fsyncs - fsyncsBefore, 2);
  await closeNode(node);
  const reopened = await openNode(dir);
  assert.equal(reopened.log.lastIndex, 5);
  assert.deepEqual(reopened.store.listMessages(user, 'INBOX').map((m) => m.uid), [1, 2, 3]);
  await closeNode(reopened);
}));

test('a group over commandLogSyncWriteBytesMax is written through the pool, a small one on the store\'s thread; both read back whole', () => withDir('big', async (dir) => {
  const node = await openNode(dir);
  await setup(node);
  const [onThread, inPool] = [[] as number[], [] as number[]];
  const restoreThread = interceptWrites(node.log, (buffers, position, real) => {
    onThread.push(buffers.reduce((n, b) => n + b.length, 0));
    return real(buffers, position);
  });
  const restorePool = interceptPoolWrites(node.log, (buffers, position, real) => {
    inPool.push(buffers.reduce((n, b) => n + b.length, 0));
    return real(buffers, position);
  });
  const big = 'x'.repeat(limits.commandLogSyncWriteBytesMax + 1024);
  const small = await node.log.propose(at(deliverCommand(0, user)));
  const large = await node.log.propose(at(deliverCommand(1, user, 'INBOX', { body: `Subject: big\r\n\r\n${big}\r\n` })));
  restoreThread();
  restorePool();
  assert.ok(small.ok && large.ok);
  assert.equal(onThread.length, 1, 'the small group on the thread');
  assert.ok(onThread[0]! <= limits.commandLogSyncWriteBytesMax);
  assert.equal(inPool.length, 1, 'the big group through the pool');
  assert.ok(inPool[0]! > limits.commandLogSyncWriteBytesMax);
  await closeNode(node);
  const reopened = await openNode(dir);
  assert.equal(reopened.store.listMessages(user, 'INBOX').length, 2, 'both records read back whole');
  await closeNode(reopened);
}));

test('an fsync error is fatal at once: no retry, waiting proposals get OutcomeUnknownError', () => withDir('eio', async (dir) => {
  const node = await openNode(dir);
  await setup(node);
  // Make the synchronous (O_DSYNC) write fail, as a dying disk would (reaching into the log on purpose).
  let writeCalls = 0;
  const restore = interceptWrites(node.log, () => { writeCalls++; throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' }); });
  const settled = await Promise.allSettled([0, 1, 2].map((n) => node.log.propose(at(deliverCommand(n, user)))));
  assert.ok(settled.every((s) => s.status === 'rejected' && s.reason instanceof OutcomeUnknownError));
  assert.equal(writeCalls, 1);
  assert.deepEqual(node.fatal.map((e) => e.message), ['EIO: i/o error, write']);
  assert.deepEqual(node.store.listMessages(user, 'INBOX'), [], 'nothing is applied without a successful synchronous write');
  await assert.rejects(node.log.propose(at(deliverCommand(3, user))), LogClosedError);
  restore();
  await closeNode(node);
}));
