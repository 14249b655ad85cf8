// Goal: message files read the same through either path (synchronous or thread pool), a gone file reads as null, a file larger than the index says is read whole, and a slow synchronous read that went to the disk moves reads to the thread pool for a while.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageFileReader } from './message-file-reader.js';
import type { MessageFileReaderOptions } from './message-file-reader.js';

async function withFiles(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tandem-imap-reader-'));
  try { await run(dir); } finally { await rm(dir, { recursive: true, force: true }); }
}

/** A clock the test moves; `stepMs` is added on every reading (so each read "takes" that long). */
function fakeClock(stepMs: number): { clock: { nowMs: number; stepMs: number }; nowMs: () => number } {
  const clock = { nowMs: 0, stepMs };
  return { clock, nowMs: () => (clock.nowMs += clock.stepMs) };
}

function reader(overrides: Partial<MessageFileReaderOptions>): MessageFileReader {
  return new MessageFileReader({ syncBytesMax: 1024, slowReadMs: 2, asyncAfterSlowMs: 100, nowMs: () => 0, diskReads: () => 0, ...overrides });
}

test('small files are read synchronously, large ones through the thread pool, with the same bytes', async () => {
  await withFiles(async (dir) => {
    const small = Buffer.from('Subject: hi\r\n\r\nbody\r\n');
    const large = Buffer.alloc(5000, 0x61);
    await writeFile(join(dir, 'small'), small);
    await writeFile(join(dir, 'large'), large);
    const r = reader({});
    assert.deepEqual(await r.whole(join(dir, 'small'), small.length), small);
    assert.deepEqual(r.counts, { sync: 1, async: 0 });
    assert.deepEqual(await r.whole(join(dir, 'large'), large.length), large);
    assert.deepEqual(r.counts, { sync: 1, async: 1 });
    assert.deepEqual(await r.head(join(dir, 'large'), 10), large.subarray(0, 10));
    assert.deepEqual(await r.head(join(dir, 'small'), 4096), small, 'a head longer than the file is the file');
  });
});

test('a file that is gone reads as null on both paths', async () => {
  await withFiles(async (dir) => {
    const r = reader({});
    assert.equal(await r.whole(join(dir, 'missing'), 10), null);
    assert.equal(await r.whole(join(dir, 'missing'), 10_000), null);
    assert.equal(await r.whole(join(dir, 'missing')), null);
    assert.equal(await r.head(join(dir, 'nodir', 'x'), 10), null);
    assert.deepEqual(r.counts, { sync: 2, async: 1 }); // the whole-file read without a size uses readFile
  });
});

test('a file larger than the recorded size is read whole, not cut at the recorded size', async () => {
  await withFiles(async (dir) => {
    const bytes = Buffer.from('0123456789');
    await writeFile(join(dir, 'm'), bytes);
    for (const syncBytesMax of [1024, 0]) {
      const r = reader({ syncBytesMax });
      assert.deepEqual(await r.whole(join(dir, 'm'), 4), bytes);
      assert.deepEqual(await r.whole(join(dir, 'm'), 10), bytes);
      assert.deepEqual(await r.whole(join(dir, 'm'), 50), bytes, 'shorter than recorded: what is there');
    }
  });
});

test('a slow synchronous read that went to the disk sends reads to the thread pool until asyncAfterSlowMs has passed', async () => {
  await withFiles(async (dir) => {
    await writeFile(join(dir, 'm'), 'x');
    const { clock, nowMs } = fakeClock(5); // every read appears to take 5 ms > slowReadMs
    let diskReads = 0;
    const r = reader({ nowMs, diskReads: () => diskReads });
    diskReads += 8; // the block layer read for us
    await r.whole(join(dir, 'm'), 1);
    assert.equal(r.coldMode, true);
    clock.stepMs = 0;
    await r.whole(join(dir, 'm'), 1);
    await r.head(join(dir, 'm'), 1);
    assert.deepEqual(r.counts, { sync: 1, async: 2 });
    clock.nowMs += 100;
    assert.equal(r.coldMode, false);
    await r.whole(join(dir, 'm'), 1);
    assert.deepEqual(r.counts, { sync: 2, async: 2 });
  });
});

test('a slow synchronous read without disk input (preempted, not waiting on the disk) keeps reads synchronous', async () => {
  await withFiles(async (dir) => {
    await writeFile(join(dir, 'm'), 'x');
    const { nowMs } = fakeClock(5);
    let diskReads = 100; // reads before the reader existed do not count
    const r = reader({ nowMs, diskReads: () => diskReads });
    await r.whole(join(dir, 'm'), 1);
    await r.whole(join(dir, 'm'), 1);
    assert.equal(r.coldMode, false);
    assert.deepEqual(r.counts, { sync: 2, async: 0 });
    diskReads++;
    await r.whole(join(dir, 'm'), 1);
    assert.equal(r.coldMode, true);
  });
});
