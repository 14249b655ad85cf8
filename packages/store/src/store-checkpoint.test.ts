// Goal: checkpoints advance when they should (alone commands, entry count, timer, explicit, close, snapshot) and only over fsynced data; after a power cut, redo rewrites exactly the files the index still holds, and a MOVE of a not yet checkpointed message keeps its bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from './command.js';
import { MailStore } from './mail-store.js';
import type { MailStoreOptions } from './mail-store.js';
import { PowerCut } from './power-cut-fixture.js';
import { baseTimeMs, checkConsistency, deliverCommand, fileTree, fixedPasswordHash, makeTempDir } from './store-test-fixture.js';
import type { DistributiveOmit } from './store-test-fixture.js';

const user = 'demo@example.test';
const setup: Command[] = [
  { type: 'domain.add', timestampMs: baseTimeMs, domain: 'example.test' },
  { type: 'user.add', timestampMs: baseTimeMs, address: user, passwordHash: fixedPasswordHash },
];
const at = (cmd: DistributiveOmit<Command, 'timestampMs'>, n: number): Command => ({ timestampMs: baseTimeMs + n * 1000, ...cmd }) as Command;
const deliver = (n: number): Command => at(deliverCommand(n, user), n);
/** A power cut that destroys everything it may: every unsynced name goes, every unsynced file is emptied. */
const worstCase = (): number => 0;

async function withDir(prefix: string, fn: (dir: string) => Promise<void>): Promise<void> {
  const tmp = await makeTempDir(prefix);
  try { await fn(tmp.dir); } finally { await tmp.remove(); }
}

/** Applies cmds[from-1 ..] at their indexes (command i at index i). */
async function applyFrom(store: MailStore, cmds: readonly Command[], from: number): Promise<void> {
  for (let i = from; i <= cmds.length; i++) await store.apply(i, cmds[i - 1]!);
}

/** Tree (without the staging area) and index of a store built from `cmds` without any crash. */
async function reference(dir: string, cmds: readonly Command[]): Promise<{ tree: Array<[string, string]>; index: Array<[string, unknown]> }> {
  const store = await MailStore.open({ dataDir: dir });
  await applyFrom(store, cmds, 1);
  const state = { tree: await tree(store), index: await store.dumpIndex() };
  await store.close();
  return state;
}

async function tree(store: MailStore): Promise<Array<[string, string]>> {
  return (await fileTree(store.paths.mailRoot)).filter(([p]) => !p.startsWith('.staging'));
}

/** Opens a store with the cut's hook, applies `cmds`, cuts the power at the end and carries the cut out. */
async function applyAndCut(dataDir: string, scratch: string, cmds: readonly Command[], opts: Omit<MailStoreOptions, 'dataDir'> = {}): Promise<number> {
  const power = new PowerCut(dataDir, scratch);
  const store = await MailStore.open({ dataDir, afterIndexSync: power.afterIndexSync, checkpointIntervalMs: 0, ...opts });
  power.start();
  await applyFrom(store, cmds, 1);
  power.freeze();
  await store.close();
  const damage = power.damage(worstCase);
  power.stop();
  return damage.removed.length + damage.truncated.length;
}

test('the checkpoint index: a new store, commands committed alone, explicit checkpoints, close and snapshots', () => withDir('ckpt-index', async (dir) => {
  let store = await MailStore.open({ dataDir: join(dir, 'data'), checkpointIntervalMs: 0 });
  assert.equal(store.checkpointIndex, 0);
  await applyFrom(store, setup, 1);
  assert.equal(store.checkpointIndex, 2, 'a command committed alone is fully synced: a checkpoint of its own');
  for (let n = 3; n <= 6; n++) await store.apply(n, deliver(n));
  assert.equal(store.checkpointIndex, 2, 'deliveries are not synced when they are applied');
  const before = store.checkpointStats();
  assert.equal(await store.checkpoint(), 6);
  const after = store.checkpointStats();
  assert.equal(after.checkpoints - before.checkpoints, 1);
  assert.ok(after.pathsSynced - before.pathsSynced >= 5, `4 message files and their directory, got ${after.pathsSynced - before.pathsSynced}`);
  await store.apply(7, deliver(7));
  await store.close();
  store = await MailStore.open({ dataDir: join(dir, 'data'), checkpointIntervalMs: 0 });
  assert.equal(store.checkpointIndex, 7, 'close() checkpoints');
  await store.apply(8, deliver(8));
  const manifest = await store.createSnapshot(join(dir, 'snap'));
  assert.deepEqual([manifest.appliedIndex, store.checkpointIndex], [8, 8], 'a snapshot checkpoints first: it links only durable files');
  assert.ok(!(await store.dumpIndex()).some(([key]) => key === 'checkpoint'), 'the checkpoint row is not state');
  await store.close();
}));

test('a checkpoint starts by itself after checkpointEntriesMax entries, and by time', () => withDir('ckpt-auto', async (dir) => {
  let synced: () => void = () => undefined;
  // The next synced index write; failing after 10 s (the store's timer is unref'd: this keeps the test alive meanwhile).
  const next = (): Promise<void> => new Promise((resolve, reject) => {
    const guard = setTimeout(() => reject(new Error('no checkpoint within 10 s')), 10_000);
    synced = () => { clearTimeout(guard); resolve(); };
  });
  let store = await MailStore.open({ dataDir: join(dir, 'a'), checkpointEntriesMax: 3, checkpointIntervalMs: 0, afterIndexSync: () => synced() });
  await applyFrom(store, setup, 1);
  const background = next();
  for (let n = 3; n <= 5; n++) await store.apply(n, deliver(n));
  await background; // the third entry started a checkpoint; nothing else would
  assert.equal(store.checkpointIndex, 5);
  await store.close();

  store = await MailStore.open({ dataDir: join(dir, 'b'), checkpointIntervalMs: 20, afterIndexSync: () => synced() });
  await applyFrom(store, setup, 1);
  const byTime = next();
  await store.apply(3, deliver(3));
  await byTime;
  assert.equal(store.checkpointIndex, 3);
  await store.close();
}));

test('after a power cut, redo rewrites the files the index holds and never brings back an expunged one', () => withDir('redo', async (dir) => {
  const cmds: Command[] = [
    ...setup, deliver(3), deliver(4), deliver(5),
    at({ type: 'message.store', user, mailbox: 'INBOX', uids: [2], operation: 'add', flags: ['\\Deleted'] }, 6),
    // Expunging syncs the index (its file goes right after): the index copy then holds 3..7.
    at({ type: 'message.expunge', user, mailbox: 'INBOX' }, 7),
  ];
  const data = join(dir, 'data');
  const damaged = await applyAndCut(data, dir, cmds);
  assert.ok(damaged >= 2, `the cut damaged ${damaged} files`);
  const store = await MailStore.open({ dataDir: data });
  assert.deepEqual([store.checkpointIndex, store.appliedIndex], [2, 7], 'the index reached the disk, the files did not');
  const torn = async (): Promise<number[]> => {
    const uids: number[] = [];
    for (const m of store.listMessages(user, 'INBOX')) {
      const size = await stat(store.messagePath(user, 'INBOX', m.uid)!).then((st) => st.size, () => -1);
      if (size !== m.sizeBytes) uids.push(m.uid);
    }
    return uids;
  };
  assert.deepEqual(await torn(), [1, 3], 'before the redo, the unsynced files are torn or gone');
  await applyFrom(store, cmds, store.checkpointIndex + 1);
  assert.deepEqual(await checkConsistency(store), { filesWithoutRow: [], rowsWithoutFile: [] });
  const expected = await reference(join(dir, 'ref'), cmds);
  assert.deepEqual(await tree(store), expected.tree);
  assert.deepEqual(await store.dumpIndex(), expected.index);
  await store.close();
}));

test('a MOVE of a message that no checkpoint covers yet keeps its bytes through a power cut', () => withDir('move', async (dir) => {
  const cmds: Command[] = [
    ...setup, deliver(3),
    // MOVE links the unsynced file into Archive and expunges the INBOX name (a synced batch).
    at({ type: 'message.copy', user, mailbox: 'INBOX', uids: [1], target: 'Archive', move: true }, 4),
  ];
  const data = join(dir, 'data');
  await applyAndCut(data, dir, cmds);
  const store = await MailStore.open({ dataDir: data });
  assert.deepEqual([store.checkpointIndex, store.appliedIndex], [2, 4]);
  await applyFrom(store, cmds, store.checkpointIndex + 1);
  assert.equal((await store.readMessage(user, 'Archive', 1)).toString(), 'Subject: message 3\r\n\r\nbody 3\r\n');
  assert.deepEqual(await checkConsistency(store), { filesWithoutRow: [], rowsWithoutFile: [] });
  await store.close();
}));
