// Goal: term and vote survive a restart, are replaced atomically, and a failed fsync is fatal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStableStore } from './stable-store.js';
import { CorruptionError, FatalStorageError } from './errors.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'tandem-stable-'));
}

test('a new store starts at term 0 with no vote; saved state is read back after reopen', async () => {
  const dir = tempDir();
  try {
    const store = FileStableStore.open({ dir });
    assert.deepEqual(store.hardState(), { term: 0, vote: null, commit: 0 });
    await store.save({ term: 3, vote: 'b', commit: 7 });
    assert.equal(store.fsyncs, 2, 'the file and its directory are both fsynced');
    const reopened = FileStableStore.open({ dir });
    assert.deepEqual(reopened.hardState(), { term: 3, vote: 'b', commit: 7 });
    assert.deepEqual(readdirSync(dir), ['hard-state.json'], 'no temporary file is left behind');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Raft Figure 2: currentTerm never goes back', async () => {
  const dir = tempDir();
  try {
    const store = FileStableStore.open({ dir });
    await store.save({ term: 5, vote: null, commit: 0 });
    assert.throws(() => store.save({ term: 4, vote: 'a', commit: 0 }), RangeError);
    assert.equal(FileStableStore.open({ dir }).hardState().term, 5);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('saves made together are written in call order; the last one wins on disk', async () => {
  const dir = tempDir();
  try {
    const store = FileStableStore.open({ dir });
    await Promise.all([1, 2, 3, 4].map((term) => store.save({ term, vote: `n${term}`, commit: 0 })));
    assert.deepEqual(FileStableStore.open({ dir }).hardState(), { term: 4, vote: 'n4', commit: 0 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a leftover temp file from a crash is ignored and removed; a damaged file is corruption', async () => {
  const dir = tempDir();
  try {
    const store = FileStableStore.open({ dir });
    await store.save({ term: 2, vote: 'a', commit: 1 });
    writeFileSync(join(dir, 'hard-state.json.tmp'), '{"term":9');
    assert.deepEqual(FileStableStore.open({ dir }).hardState(), { term: 2, vote: 'a', commit: 1 });
    assert.deepEqual(readdirSync(dir), ['hard-state.json']);
    const text = readFileSync(join(dir, 'hard-state.json'), 'utf8').replace('"term":2', '"term":8');
    writeFileSync(join(dir, 'hard-state.json'), text);
    assert.throws(() => FileStableStore.open({ dir }), CorruptionError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failed fsync is fatal: the save rejects, the handler runs, later saves are refused, the old state stays on disk', async () => {
  const dir = tempDir();
  try {
    const fatals: Error[] = [];
    let fail = false;
    const store = FileStableStore.open({
      dir, onFatal: (e) => fatals.push(e), injectFault: (op) => { if (fail && op === 'fsync') throw new Error('EIO'); },
    });
    await store.save({ term: 1, vote: 'a', commit: 0 });
    fail = true;
    await assert.rejects(store.save({ term: 2, vote: 'b', commit: 0 }), FatalStorageError);
    assert.equal(fatals.length, 1);
    fail = false;
    await assert.rejects(store.save({ term: 3, vote: 'c', commit: 0 }), FatalStorageError);
    assert.deepEqual(FileStableStore.open({ dir }).hardState(), { term: 1, vote: 'a', commit: 0 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
