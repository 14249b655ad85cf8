// Goal: the file log keeps exactly the acknowledged entries across reopen, repairs only a torn last record, shares fsyncs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileLogStore } from './file-log-store.js';
import { CorruptionError, FatalStorageError } from './errors.js';
import type { LogRecord } from './log-record.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'tandem-log-'));
}

function rec(index: number, term: number, size = 16): LogRecord {
  const body = new Uint8Array(size);
  for (let i = 0; i < size; i++) body[i] = (index * 31 + term * 7 + i) & 0xff;
  return { index, term, entryType: 0, body };
}

function bodies(store: FileLogStore): string[] {
  const out: string[] = [];
  for (let i = store.firstIndex(); i <= store.lastIndex(); i++) {
    const r = store.read(i);
    out.push(`${r.index}/${r.term}/${Buffer.from(r.body).toString('hex').slice(0, 8)}`);
  }
  return out;
}

function segmentFiles(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.endsWith('.log')).sort();
}

test('appended entries are read back after reopen, across several segments', async () => {
  const dir = tempDir();
  try {
    const store = FileLogStore.open({ dir, segmentBytesMax: 200 });
    await store.append([rec(1, 1), rec(2, 1), rec(3, 1)]);
    await store.append([rec(4, 2), rec(5, 2), rec(6, 2), rec(7, 2)]);
    const before = bodies(store);
    await store.close();
    assert.ok(segmentFiles(dir).length >= 2, 'small segments must roll over');
    const reopened = FileLogStore.open({ dir, segmentBytesMax: 200 });
    assert.equal(reopened.firstIndex(), 1);
    assert.equal(reopened.lastIndex(), 7);
    assert.deepEqual(bodies(reopened), before);
    assert.equal(reopened.term(4), 2);
    assert.equal(reopened.term(8), undefined);
    assert.equal(reopened.openReport.truncatedTailBytes, 0);
    await reopened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an empty body (a leader no-op) checksums right even after its ArrayBuffer was touched, and large bodies round-trip by reference', async () => {
  const dir = tempDir();
  try {
    const store = FileLogStore.open({ dir });
    const empty = new Uint8Array(0);
    void empty.buffer; // materializes the buffer: zlib.crc32 then returns 0 for the view (Node 20)
    const big = new Uint8Array(70_000).map((_, i) => i & 0xff);
    await store.append([{ index: 1, term: 1, entryType: 0, body: empty }, rec(2, 1, 100), { index: 3, term: 1, entryType: 0, body: big }, rec(4, 1, 5)]);
    await store.close();
    const reopened = FileLogStore.open({ dir });
    assert.equal(reopened.lastIndex(), 4);
    assert.deepEqual([...reopened.readRange(1, 5)].map((r) => r.body.byteLength), [0, 100, 70_000, 5]);
    assert.deepEqual(Buffer.from(reopened.read(3).body), Buffer.from(big));
    await reopened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('group commit: 100 appends made in one turn share one fsync; awaited appends pay one each', async () => {
  const dir = tempDir();
  try {
    const store = FileLogStore.open({ dir });
    const pending: Array<Promise<void>> = [];
    for (let i = 1; i <= 100; i++) pending.push(store.append([rec(i, 1)]));
    await Promise.all(pending);
    assert.equal(store.stats.appends, 100);
    assert.equal(store.stats.batches, 1);
    assert.equal(store.stats.fsyncs, 1);
    for (let i = 101; i <= 105; i++) await store.append([rec(i, 1)]);
    assert.equal(store.stats.fsyncs, 6);
    assert.equal(store.lastIndex(), 105);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('entries are invisible to readers until their fsync completes', async () => {
  const dir = tempDir();
  try {
    const store = FileLogStore.open({ dir });
    const done = store.append([rec(1, 1)]);
    assert.equal(store.lastIndex(), 0);
    assert.equal(store.term(1), undefined);
    await done;
    assert.equal(store.lastIndex(), 1);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('torn tail at open: a partially written last record is cut and appends continue', async () => {
  const dir = tempDir();
  try {
    const store = FileLogStore.open({ dir });
    await store.append([rec(1, 1), rec(2, 1), rec(3, 1, 100)]);
    await store.close();
    const path = join(dir, segmentFiles(dir)[0]!);
    const size = statSync(path).size;
    truncateSync(path, size - 50); // the crash tore record 3
    const reopened = FileLogStore.open({ dir });
    assert.equal(reopened.lastIndex(), 2);
    assert.equal(reopened.openReport.truncatedTailBytes, 100 + 25 - 50);
    await reopened.append([rec(3, 2)]);
    await reopened.close();
    const again = FileLogStore.open({ dir });
    assert.equal(again.lastIndex(), 3);
    assert.equal(again.term(3), 2);
    assert.equal(again.openReport.truncatedTailBytes, 0);
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('torn tail at open: zeros after the last record (size extended, data lost) are cut', async () => {
  const dir = tempDir();
  try {
    const store = FileLogStore.open({ dir });
    await store.append([rec(1, 1), rec(2, 1)]);
    await store.close();
    const path = join(dir, segmentFiles(dir)[0]!);
    appendFileSync(path, Buffer.alloc(4096));
    const reopened = FileLogStore.open({ dir });
    assert.equal(reopened.lastIndex(), 2);
    assert.equal(reopened.openReport.truncatedTailBytes, 4096);
    await reopened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CRC mismatch in the last record is a torn tail; in an earlier record it is fatal corruption', async () => {
  const dir = tempDir();
  try {
    const store = FileLogStore.open({ dir });
    await store.append([rec(1, 1), rec(2, 1), rec(3, 1)]);
    await store.close();
    const path = join(dir, segmentFiles(dir)[0]!);
    const recordBytes = 16 + 25;
    const bytes = readFileSync(path);
    bytes[2 * recordBytes + 30] = bytes[2 * recordBytes + 30]! ^ 0xff; // inside record 3's body
    writeFileSync(path, bytes);
    const reopened = FileLogStore.open({ dir });
    assert.equal(reopened.lastIndex(), 2);
    await reopened.close();

    const damaged = readFileSync(path);
    damaged[30] = damaged[30]! ^ 0x01; // inside record 1's body: records after it are intact
    writeFileSync(path, damaged);
    assert.throws(() => FileLogStore.open({ dir }), (e: unknown) => e instanceof CorruptionError && e.offsetBytes === 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('damage at the end of a segment that is not the last one is fatal, not a torn tail', async () => {
  const dir = tempDir();
  try {
    const store = FileLogStore.open({ dir, segmentBytesMax: 100 });
    await store.append([rec(1, 1), rec(2, 1), rec(3, 1), rec(4, 1), rec(5, 1)]);
    await store.close();
    const first = join(dir, segmentFiles(dir)[0]!);
    truncateSync(first, statSync(first).size - 5);
    assert.throws(() => FileLogStore.open({ dir, segmentBytesMax: 100 }), CorruptionError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing segment in the middle (a gap in indexes) is fatal', async () => {
  const dir = tempDir();
  try {
    const store = FileLogStore.open({ dir, segmentBytesMax: 100 });
    for (let i = 1; i <= 9; i++) await store.append([rec(i, 1)]);
    await store.close();
    const files = segmentFiles(dir);
    assert.ok(files.length >= 3);
    rmSync(join(dir, files[1]!));
    assert.throws(() => FileLogStore.open({ dir, segmentBytesMax: 100 }), /segment starts at/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Raft §5.3: appending at an existing index removes the conflicting suffix, across segments', async () => {
  const dir = tempDir();
  try {
    const store = FileLogStore.open({ dir, segmentBytesMax: 100 });
    await store.append([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((i) => rec(i, 1)));
    const filesBefore = segmentFiles(dir).length;
    await store.append([rec(4, 2), rec(5, 2)]);
    assert.equal(store.lastIndex(), 5);
    assert.equal(store.term(3), 1);
    assert.equal(store.term(4), 2);
    assert.ok(segmentFiles(dir).length < filesBefore, 'segments past the cut are deleted');
    await store.close();
    const reopened = FileLogStore.open({ dir, segmentBytesMax: 100 });
    assert.equal(reopened.lastIndex(), 5);
    assert.deepEqual([1, 2, 3, 4, 5].map((i) => reopened.term(i)), [1, 1, 1, 2, 2]);
    assert.deepEqual(Buffer.from(reopened.read(5).body), Buffer.from(rec(5, 2).body));
    await reopened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('appends that leave a gap or are not consecutive are refused before anything is written', async () => {
  const dir = tempDir();
  try {
    const store = FileLogStore.open({ dir });
    await store.append([rec(1, 1)]);
    assert.throws(() => store.append([rec(3, 1)]), RangeError);
    assert.throws(() => store.append([rec(2, 1), rec(4, 1)]), RangeError);
    assert.equal(store.stats.fsyncs, 1);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('compaction drops whole segments at or below the index and keeps the rest readable', async () => {
  const dir = tempDir();
  try {
    const store = FileLogStore.open({ dir, segmentBytesMax: 100 });
    for (let i = 1; i <= 12; i++) await store.append([rec(i, 1)]);
    const files = segmentFiles(dir).length;
    await store.compact(7);
    assert.ok(segmentFiles(dir).length < files);
    assert.ok(store.firstIndex() > 1 && store.firstIndex() <= 8, `firstIndex ${store.firstIndex()}`);
    assert.equal(store.lastIndex(), 12);
    await store.compact(1000); // the active segment always stays
    assert.equal(store.lastIndex(), 12);
    assert.equal(store.term(12), 1);
    const first = store.firstIndex();
    await store.close();
    const reopened = FileLogStore.open({ dir, segmentBytesMax: 100 });
    assert.equal(reopened.firstIndex(), first);
    assert.equal(reopened.lastIndex(), 12);
    await reopened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('reset discards the log; the next append starts at the given index, also after reopen', async () => {
  const dir = tempDir();
  try {
    const store = FileLogStore.open({ dir, segmentBytesMax: 100 });
    for (let i = 1; i <= 6; i++) await store.append([rec(i, 1)]);
    await store.reset(101);
    assert.equal(store.firstIndex(), 101);
    assert.equal(store.lastIndex(), 100);
    assert.throws(() => store.append([rec(50, 1)]), RangeError);
    await store.close();
    const reopened = FileLogStore.open({ dir, segmentBytesMax: 100 });
    assert.equal(reopened.firstIndex(), 101);
    await reopened.append([rec(101, 3)]);
    assert.equal(reopened.term(101), 3);
    await reopened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failed fdatasync is fatal: the handler runs, the append rejects, and the store refuses further use', async () => {
  const dir = tempDir();
  try {
    const fatals: Error[] = [];
    let fail = false;
    const store = FileLogStore.open({
      dir,
      onFatal: (e) => fatals.push(e),
      injectFault: (operation) => {
        if (fail && operation === 'fdatasync') throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
      },
    });
    await store.append([rec(1, 1)]);
    fail = true;
    await assert.rejects(store.append([rec(2, 1)]), FatalStorageError);
    assert.equal(fatals.length, 1);
    assert.equal(store.lastIndex(), 1, 'the entry whose fsync failed is never visible');
    fail = false;
    assert.throws(() => store.append([rec(2, 1)]), FatalStorageError);
    assert.throws(() => store.read(1), FatalStorageError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('reads that miss the cache come from disk and match what was written', async () => {
  const dir = tempDir();
  try {
    const store = FileLogStore.open({ dir, entryCacheBytesMax: 1000 });
    const written = Array.from({ length: 50 }, (_, k) => rec(k + 1, 1, 200));
    await store.append(written);
    const read = store.readRange(1, 51);
    assert.ok(store.stats.cacheMisses >= 40);
    assert.deepEqual(read.map((r) => Buffer.from(r.body)), written.map((r) => Buffer.from(r.body)));
    assert.equal(store.readRange(1, 51, 1000).length, 4, 'bytesMax bounds the read (225 bytes per record)');
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('seeded random appends, conflicts, compactions and reopens agree with a model log', async () => {
  const seed = Number(process.env.TANDEM_SEED ?? Date.now() % 1_000_000);
  let state = seed;
  const rand = (n: number): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
  const dir = tempDir();
  try {
    let store = FileLogStore.open({ dir, segmentBytesMax: 300, entryCacheBytesMax: 500 });
    const model = new Map<number, number>(); // index -> term
    let first = 1;
    let last = 0;
    let term = 1;
    for (let step = 0; step < 200; step++) {
      const action = rand(10);
      if (action < 6) {
        const from = last >= first && rand(4) === 0 ? first + rand(last - first + 1) : last + 1;
        if (from <= last) term++;
        const n = 1 + rand(5);
        await store.append(Array.from({ length: n }, (_, k) => rec(from + k, term, rand(60))));
        for (let i = from; i <= last; i++) model.delete(i);
        for (let k = 0; k < n; k++) model.set(from + k, term);
        last = from + n - 1;
      } else if (action < 8 && last >= first) {
        await store.compact(first + rand(last - first + 1));
        first = store.firstIndex();
      } else {
        await store.close();
        store = FileLogStore.open({ dir, segmentBytesMax: 300, entryCacheBytesMax: 500 });
      }
      assert.equal(store.lastIndex(), last, `seed ${seed} step ${step}`);
      assert.equal(store.firstIndex(), first, `seed ${seed} step ${step}`);
      for (let i = first; i <= last; i++) assert.equal(store.read(i).term, model.get(i), `seed ${seed} step ${step} index ${i}`);
    }
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
