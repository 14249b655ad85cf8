// Goal: the core's Storage over the file stores answers like MemoryStorage and reconciles a crash mid-install.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrapEntries, CompactedError, emptyMembership, encodeConfChange, UnavailableError, type Entry } from '@tandem/raft';
import { FileStorage } from './file-storage.js';
import { StateMachineAheadOfLogError } from './errors.js';

const bootstrap = { voters: ['a', 'b', 'c'], witnesses: [], learners: [] };

function entry(index: number, term: number, text = `e${index}`): Entry {
  return { index, term, type: 'normal', data: Buffer.from(text) };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'tandem-storage-'));
}

test('a founding member writes the founding configuration as committed entries 1..k; it survives a changed config', async () => {
  const dir = tempDir();
  try {
    const s = await FileStorage.open({ dir, bootstrapMembership: bootstrap });
    assert.deepEqual(s.initialState(), { hardState: { term: 0, vote: null, commit: 3 }, membership: emptyMembership() });
    assert.equal(s.firstIndex(), 1);
    assert.equal(s.lastIndex(), 3);
    assert.deepEqual(s.entries(1, 4).map((e) => ({ ...e, data: Buffer.from(e.data) })), bootstrapEntries(bootstrap).map((e) => ({ ...e, data: Buffer.from(e.data) })));
    assert.deepEqual(s.membershipAt(3), bootstrap);
    await s.close();
    const again = await FileStorage.open({ dir, bootstrapMembership: { voters: ['x'], witnesses: [], learners: [] } });
    assert.deepEqual(again.membershipAt(again.lastIndex()), bootstrap, 'the stored configuration wins over a changed config');
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a joining member starts with an empty log and no configuration', async () => {
  const dir = tempDir();
  try {
    const s = await FileStorage.open({ dir });
    assert.deepEqual(s.initialState(), { hardState: { term: 0, vote: null, commit: 0 }, membership: emptyMembership() });
    assert.equal(s.lastIndex(), 0);
    await s.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('entries, terms and bounds behave as the Storage contract says', async () => {
  const dir = tempDir();
  try {
    const s = await FileStorage.open({ dir });
    await s.append([entry(1, 1), entry(2, 1), entry(3, 2)]);
    assert.deepEqual(s.entries(1, 4).map((e) => [e.index, e.term, Buffer.from(e.data).toString()]), [[1, 1, 'e1'], [2, 1, 'e2'], [3, 2, 'e3']]);
    assert.equal(s.entries(1, 4, 1).length, 1, 'at least one entry even over maxSizeBytes');
    assert.throws(() => s.entries(0, 2), CompactedError);
    assert.throws(() => s.entries(2, 5), UnavailableError);
    assert.throws(() => s.term(4), UnavailableError);
    await s.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('only a term or vote change is written to the stable store; commit follows what was applied', async () => {
  const dir = tempDir();
  try {
    const s = await FileStorage.open({ dir });
    await s.append([entry(1, 1), entry(2, 1), entry(3, 1)]);
    await s.saveHardState({ term: 1, vote: 'a', commit: 0 });
    const fsyncs = s.stable.fsyncs;
    await s.saveHardState({ term: 1, vote: 'a', commit: 3 });
    assert.equal(s.stable.fsyncs, fsyncs, 'a commit-only change costs no fsync');
    await s.close();
    const again = await FileStorage.open({ dir, appliedIndex: 2 });
    assert.deepEqual(again.initialState().hardState, { term: 1, vote: 'a', commit: 2 }, 'applied entries were committed');
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('membershipAt folds the conf changes after the snapshot', async () => {
  const dir = tempDir();
  try {
    const s = await FileStorage.open({ dir, bootstrapMembership: bootstrap });
    await s.append([
      entry(4, 1),
      { index: 5, term: 1, type: 'confChange', data: encodeConfChange({ type: 'addLearner', nodeId: 'd' }) },
      { index: 6, term: 1, type: 'confChange', data: encodeConfChange({ type: 'removeNode', nodeId: 'c' }) },
    ]);
    assert.deepEqual(s.membershipAt(1), { voters: ['a'], witnesses: [], learners: [] });
    assert.deepEqual(s.membershipAt(4), bootstrap);
    assert.deepEqual(s.membershipAt(5), { voters: ['a', 'b', 'c'], witnesses: [], learners: ['d'] });
    assert.deepEqual(s.membershipAt(6), { voters: ['a', 'b'], witnesses: [], learners: ['d'] });
    await s.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Raft §7: a crash after a received snapshot committed but before the log reset discards the stale log at open', async () => {
  const dir = tempDir();
  try {
    const s = await FileStorage.open({ dir, bootstrapMembership: bootstrap });
    await s.append([entry(4, 1), entry(5, 1), entry(6, 1)]);
    const writer = await s.snapshots.create({ index: 10, term: 4, membership: bootstrap });
    await writer.write(Buffer.from('state at 10'));
    await writer.commit(); // ...and the process dies before installSnapshot() resets the log
    await s.close();
    const again = await FileStorage.open({ dir, bootstrapMembership: bootstrap });
    assert.equal(again.firstIndex(), 11);
    assert.equal(again.lastIndex(), 10);
    assert.equal(again.term(10), 4);
    assert.throws(() => again.term(6), CompactedError);
    await again.append([entry(11, 4)]);
    assert.equal(again.lastIndex(), 11);
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a local snapshot compacts: the snapshot index becomes firstIndex - 1 and its term is kept', async () => {
  const dir = tempDir();
  try {
    const s = await FileStorage.open({ dir, bootstrapMembership: bootstrap, log: { segmentBytesMax: 64 } });
    for (let i = 4; i <= 20; i++) await s.append([entry(i, 2)]);
    const path = s.snapshots.scratchPath();
    await import('node:fs/promises').then((fs) => fs.writeFile(path, 'state at 15'));
    const meta = await s.snapshots.adopt(path, { index: 15, term: s.term(15), membership: s.membershipAt(15) });
    await s.compactTo(meta);
    assert.equal(s.firstIndex(), 16);
    assert.equal(s.term(15), 2);
    assert.equal(s.snapshot().metadata.index, 15);
    assert.ok(s.log.firstIndex() > 1, 'whole segments below the snapshot were deleted');
    await s.close();
    const again = await FileStorage.open({ dir, bootstrapMembership: bootstrap, log: { segmentBytesMax: 64 } });
    assert.equal(again.firstIndex(), 16);
    assert.equal(again.lastIndex(), 20);
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a store ahead of the Raft log (a new member, or another log) is refused before anything is written', async () => {
  const dir = tempDir();
  try {
    await assert.rejects(FileStorage.open({ dir, appliedIndex: 1_700_000_001, bootstrapMembership: bootstrap }), (err: unknown) =>
      err instanceof StateMachineAheadOfLogError && err.appliedIndex === 1_700_000_001 && err.lastIndex === 0 && /Run this data dir as a single node/.test(err.message));
    assert.deepEqual(readdirSync(dir).flatMap((d) => readdirSync(join(dir, d))), [], 'a new member wrote nothing');
    const s = await FileStorage.open({ dir, bootstrapMembership: bootstrap });
    await s.append([entry(4, 1), entry(5, 1)]);
    await s.close();
    await assert.rejects(FileStorage.open({ dir, appliedIndex: 6 }), (err: unknown) => err instanceof StateMachineAheadOfLogError && err.lastIndex === 5);
    const ok = await FileStorage.open({ dir, appliedIndex: 5 });
    await ok.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
