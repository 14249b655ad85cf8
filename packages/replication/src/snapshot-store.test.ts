// Goal: snapshots appear atomically with their metadata, transfers resume at the right offset, bad data is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { FileSnapshotStore } from './snapshot-store.js';
import { CorruptionError } from './errors.js';

const membership = { voters: ['a', 'b', 'c'], witnesses: ['c'], learners: [] };

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'tandem-snap-'));
}

async function collect(store: FileSnapshotStore, meta: Parameters<FileSnapshotStore['stream']>[0]): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of store.stream(meta, 1000)) parts.push(chunk);
  return Buffer.concat(parts);
}

test('a created snapshot is invisible until commit, then listed with its metadata after reopen', async () => {
  const dir = tempDir();
  try {
    const store = FileSnapshotStore.open({ dir });
    const data = randomBytes(5000);
    const writer = await store.create({ index: 10, term: 2, membership });
    await writer.write(data.subarray(0, 3000));
    await writer.write(data.subarray(3000));
    assert.equal(store.latest(), undefined);
    assert.equal(FileSnapshotStore.open({ dir }).latest(), undefined, 'no meta file yet: no snapshot');
    const meta = await writer.commit();
    assert.deepEqual(meta, { index: 10, term: 2, membership, sizeBytes: 5000, crc32: crc32(data) });
    const reopened = FileSnapshotStore.open({ dir });
    assert.deepEqual(reopened.latest(), meta);
    assert.deepEqual(await collect(reopened, meta), data);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a broken transfer resumes at the bytes already received, and the whole is CRC-checked', async () => {
  const dir = tempDir();
  try {
    const data = randomBytes(10_000);
    const announced = { index: 50, term: 3, membership, sizeBytes: data.length, crc32: crc32(data) };
    const store = FileSnapshotStore.open({ dir });
    const first = await store.receive(announced);
    await first.write(data.subarray(0, 4000), 0);
    assert.deepEqual(first.progress(), { bytesDone: 4000, bytesTotal: 10_000 });
    await first.abort(true); // the link broke
    const again = await FileSnapshotStore.open({ dir }).receive(announced);
    assert.equal(again.progress().bytesDone, 4000);
    await assert.rejects(again.write(data.subarray(0, 10), 0), RangeError, 'a chunk before the resume point is refused');
    await again.write(data.subarray(4000), 4000);
    const meta = await again.commit();
    assert.equal(meta.crc32, crc32(data));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('received data that does not match the announced CRC is refused and the partial file dropped', async () => {
  const dir = tempDir();
  try {
    const data = randomBytes(2000);
    const store = FileSnapshotStore.open({ dir });
    const writer = await store.receive({ index: 5, term: 1, membership, sizeBytes: 2000, crc32: crc32(data) ^ 1 });
    await writer.write(data);
    await assert.rejects(writer.commit(), CorruptionError);
    assert.deepEqual(readdirSync(dir), []);
    assert.equal(store.latest(), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('adopting a file written by the state machine publishes it; only retainCount snapshots are kept', async () => {
  const dir = tempDir();
  try {
    const store = FileSnapshotStore.open({ dir, retainCount: 2 });
    for (const index of [10, 20, 30]) {
      const path = store.scratchPath();
      writeFileSync(path, `state at ${index}`);
      await store.adopt(path, { index, term: 1, membership });
    }
    assert.equal(store.latest()?.index, 30);
    assert.equal(store.find(10, 1), undefined);
    const reopened = FileSnapshotStore.open({ dir });
    assert.equal(reopened.find(20, 1)?.sizeBytes, 'state at 20'.length);
    assert.equal(readdirSync(dir).length, 4, 'two snapshots, each a data file and a meta file');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a meta file whose data file is missing or the wrong size is corruption', async () => {
  const dir = tempDir();
  try {
    const store = FileSnapshotStore.open({ dir });
    const writer = await store.create({ index: 1, term: 1, membership });
    await writer.write(Buffer.from('abc'));
    const meta = await writer.commit();
    writeFileSync(store.dataPath(meta), 'ab');
    assert.throws(() => FileSnapshotStore.open({ dir }), CorruptionError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
