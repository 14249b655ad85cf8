// Goal: a snapshot taken while applies go on restores to exactly the source's state at its index (index dump, Maildir tree, digest), the rest of the log then reaches the source's final state, and bad or interrupted restores never damage the data in place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from './command.js';
import { MailStore } from './mail-store.js';
import { SnapshotCorruptError, SnapshotIndexMismatchError, StoreInUseError } from './store-errors.js';
import { fileTree, makeTempDir, testSeed, workload } from './store-test-fixture.js';

interface StoreState { index: Array<[string, unknown]>; tree: Array<[string, string]>; digest: string; appliedIndex: number }

async function stateOf(store: MailStore): Promise<StoreState> {
  return { index: await store.dumpIndex(), tree: await fileTree(store.paths.mailRoot), digest: await store.stateDigest(), appliedIndex: store.appliedIndex };
}

async function openState(dataDir: string): Promise<StoreState> {
  const store = await MailStore.open({ dataDir });
  try { return await stateOf(store); } finally { await store.close(); }
}

async function applyRange(store: MailStore, cmds: readonly Command[], from: number, to: number): Promise<void> {
  for (let i = from; i <= to; i++) await store.apply(i, cmds[i - 1]!);
}

/** A store in `dataDir` built from cmds[1..upTo]. */
async function buildStore(dataDir: string, cmds: readonly Command[], upTo: number): Promise<void> {
  const store = await MailStore.open({ dataDir });
  await applyRange(store, cmds, 1, upTo);
  await store.close();
}

test('a snapshot taken mid-stream restores to the source at its index; the rest of the log then gives the source state', async (t) => {
  const seed = testSeed();
  t.diagnostic(`seed ${seed} (TEST_SEED=${seed} to replay)`);
  // The last entry removes a whole user: the snapshot must not depend on the live files it pinned.
  const generated = workload(seed, 199);
  const cmds: Command[] = [...generated, { type: 'user.remove', timestampMs: generated[198]!.timestampMs, address: 'u1@example.test' }];
  const tmp = await makeTempDir('snap-roundtrip');
  const [src, ref, restored, fromFile] = ['src', 'ref', 'restored', 'from-file'].map((d) => join(tmp.dir, d)) as [string, string, string, string];
  try {
    const source = await MailStore.open({ dataDir: src });
    await applyRange(source, cmds, 1, 120);
    // The capture waits for the apply in flight and holds back the next one; the archive is then
    // checksummed while the rest of the log (expunges, deletes, renames included) is applied.
    const inFlight = source.apply(121, cmds[120]!);
    const snapshotDone = source.createSnapshot(join(tmp.dir, 'snap'), { chunkBytes: 4096 });
    await inFlight;
    const [manifest] = await Promise.all([snapshotDone, applyRange(source, cmds, 122, 200)]);
    assert.equal(manifest.appliedIndex, 121, `seed ${seed}`);
    assert.ok(manifest.files > 20 && manifest.chunkSha256.length > 1, JSON.stringify({ ...manifest, chunkSha256: manifest.chunkSha256.length }));
    const finalSource = await stateOf(source);
    await source.writeSnapshotFile(join(tmp.dir, 'final.tsnap'));
    await source.close();

    await buildStore(ref, cmds, 121);
    const expected = await openState(ref);
    const summary = await MailStore.restoreSnapshot(restored, join(tmp.dir, 'snap'), { appliedIndex: 121 });
    assert.deepEqual([summary.appliedIndex, summary.files, summary.links], [121, manifest.files, manifest.links]);
    const store = await MailStore.open({ dataDir: restored });
    const got = await stateOf(store);
    assert.deepEqual(got.index, expected.index, `seed ${seed}`);
    assert.deepEqual(got.tree, expected.tree, `seed ${seed}`);
    assert.equal(got.digest, expected.digest);
    await applyRange(store, cmds, 122, 200);
    const after = await stateOf(store);
    await store.close();
    assert.deepEqual(after, finalSource, `seed ${seed}`);

    // The single-file form (what a Raft driver ships) restores the same way.
    await MailStore.restoreSnapshot(fromFile, join(tmp.dir, 'final.tsnap'), { appliedIndex: 200 });
    assert.deepEqual(await openState(fromFile), finalSource, `seed ${seed}`);
    assert.deepEqual((await readdir(tmp.dir)).filter((n) => n.startsWith('.')), []);
    assert.deepEqual((await readdir(src)).sort(), ['index', 'mail'], 'no scratch snapshot left in the data dir');
    const pinned = (await readdir(join(tmp.dir, 'snap', 'files'), { recursive: true })).filter((p) => /\/(cur|new)\/./.test(p));
    const live = new Set(await readdir(join(src, 'mail'), { recursive: true }));
    assert.ok(pinned.some((p) => !live.has(p)), 'files removed from the live tree after the snapshot');
  } finally {
    await tmp.remove();
  }
});

test('a corrupt, truncated or wrong-index snapshot is refused and the data in place stays as it was', async () => {
  const cmds = workload(7, 80);
  const tmp = await makeTempDir('snap-bad');
  const src = join(tmp.dir, 'src');
  const target = join(tmp.dir, 'target');
  try {
    await buildStore(src, cmds, 80);
    const source = await MailStore.open({ dataDir: src });
    await source.createSnapshot(join(tmp.dir, 'snap'), { chunkBytes: 4096 });
    await source.writeSnapshotFile(join(tmp.dir, 'good.tsnap'));
    await source.close();
    await buildStore(target, cmds, 30);
    const before = await openState(target);
    const good = await readFile(join(tmp.dir, 'good.tsnap'));

    const flipped = Buffer.from(good);
    flipped[Math.floor(good.length * 0.6)]! ^= 0x01;
    await writeFile(join(tmp.dir, 'flipped.tsnap'), flipped);
    await writeFile(join(tmp.dir, 'short.tsnap'), good.subarray(0, good.length - 100));
    await assert.rejects(MailStore.restoreSnapshot(target, join(tmp.dir, 'flipped.tsnap')), SnapshotCorruptError);
    await assert.rejects(MailStore.restoreSnapshot(target, join(tmp.dir, 'short.tsnap')), SnapshotCorruptError);
    await assert.rejects(MailStore.restoreSnapshot(target, join(tmp.dir, 'good.tsnap'), { appliedIndex: 79 }), SnapshotIndexMismatchError);
    await assert.rejects(MailStore.restoreSnapshot(target, join(tmp.dir, 'good.tsnap'), { appliedIndexMax: 79 }), SnapshotIndexMismatchError);
    // A message file changed inside a snapshot directory: its chunk no longer matches the manifest.
    const inbox = join(tmp.dir, 'snap', 'files', 'example.test', 'u1', 'new');
    const victim = join(inbox, (await readdir(inbox))[0]!);
    await writeFile(victim, (await readFile(victim)).toString().toUpperCase());
    await assert.rejects(MailStore.restoreSnapshot(target, join(tmp.dir, 'snap')), (err: Error) => err instanceof SnapshotCorruptError && /chunk \d+/.test(err.message));

    assert.deepEqual(await openState(target), before);
    assert.deepEqual((await readdir(target)).sort(), ['index', 'mail']);
    const open = await MailStore.open({ dataDir: target });
    await assert.rejects(MailStore.restoreSnapshot(target, join(tmp.dir, 'good.tsnap')), StoreInUseError);
    await open.close();
  } finally {
    await tmp.remove();
  }
});

test('a restore interrupted before, between or after its renames is finished or dropped at open, never mixed', async () => {
  const cmds = workload(11, 80);
  const tmp = await makeTempDir('snap-crash');
  const src = join(tmp.dir, 'src');
  const target = join(tmp.dir, 'target');
  try {
    await buildStore(src, cmds, 80);
    const source = await MailStore.open({ dataDir: src });
    await source.writeSnapshotFile(join(tmp.dir, 'snap.tsnap'));
    const wanted = await stateOf(source);
    await source.close();
    await buildStore(target, cmds, 40);
    const before = await openState(target);

    // Killed while building: the half-built copy is dropped at open; the old data is all there.
    await writeFile(join(target, 'log-of-someone-else'), 'untouched');
    const crash = new Error('injected crash');
    const building = MailStore.restoreSnapshot(target, join(tmp.dir, 'snap.tsnap'), { beforeSwap: () => { throw crash; } });
    await assert.rejects(building, crash);
    // beforeSwap runs once the restore is decided: the next open must finish it.
    assert.deepEqual((await readdir(target)).sort(), ['.restore-ready', 'index', 'log-of-someone-else', 'mail']);
    assert.deepEqual(await openState(target), wanted);

    // Crashed between the index and the mail swap: the open rolls forward, never serving a mix.
    await buildStore(join(tmp.dir, 'again'), cmds, 40);
    await assert.rejects(MailStore.restoreSnapshot(join(tmp.dir, 'again'), join(tmp.dir, 'snap.tsnap'), {
      afterPartSwapped: (part) => { if (part === 'index') throw crash; },
    }), crash);
    assert.deepEqual(await openState(join(tmp.dir, 'again')), wanted);

    // Died while writing .restore-tmp (simulated by leaving one): dropped, old data intact.
    const untouched = join(tmp.dir, 'untouched');
    await buildStore(untouched, cmds, 40);
    await writeFile(join(untouched, '.restore-tmp'), 'partial');
    assert.deepEqual(await openState(untouched), before);
    assert.deepEqual((await readdir(untouched)).sort(), ['index', 'mail']);
    assert.equal(await readFile(join(target, 'log-of-someone-else'), 'utf8'), 'untouched');
  } finally {
    await tmp.remove();
  }
});

test('replaceWithSnapshot swaps an open store in place; a bad snapshot leaves it working on its old state', async () => {
  const cmds = workload(23, 90);
  const tmp = await makeTempDir('snap-inplace');
  try {
    await buildStore(join(tmp.dir, 'src'), cmds, 90);
    const source = await MailStore.open({ dataDir: join(tmp.dir, 'src') });
    await source.createSnapshot(join(tmp.dir, 'snap'));
    const wanted = await stateOf(source);
    await source.close();
    await writeFile(join(tmp.dir, 'junk.tsnap'), 'TNDMSNP1 not really');

    const store = await MailStore.open({ dataDir: join(tmp.dir, 'follower') });
    await applyRange(store, cmds, 1, 10);
    const old = await stateOf(store);
    await assert.rejects(store.replaceWithSnapshot(join(tmp.dir, 'junk.tsnap')), SnapshotCorruptError);
    assert.deepEqual(await stateOf(store), old);
    // A Raft snapshot index may lie past the store's last command (no-op and membership entries).
    const summary = await store.replaceWithSnapshot(join(tmp.dir, 'snap'), { appliedIndexMax: 93 });
    assert.equal(summary.appliedIndex, 90);
    assert.equal(store.appliedIndex, 90);
    assert.deepEqual(await stateOf(store), wanted);
    await store.close();
  } finally {
    await tmp.remove();
  }
});

test('close() lets a snapshot that is being written finish; a later apply is refused', async () => {
  const cmds = workload(31, 40);
  const tmp = await makeTempDir('snap-close');
  try {
    const store = await MailStore.open({ dataDir: join(tmp.dir, 'data') });
    await applyRange(store, cmds, 1, 40);
    const snapshot = store.createSnapshot(join(tmp.dir, 'snap'));
    const closed = store.close();
    const manifest = await snapshot;
    await closed;
    assert.equal(manifest.appliedIndex, 40);
    await assert.rejects(store.apply(41, cmds[0]!), /closed/);
    await MailStore.restoreSnapshot(join(tmp.dir, 'copy'), join(tmp.dir, 'snap'), { appliedIndex: 40 });
    assert.equal((await openState(join(tmp.dir, 'copy'))).digest, (await openState(join(tmp.dir, 'data'))).digest);
  } finally {
    await tmp.remove();
  }
});
