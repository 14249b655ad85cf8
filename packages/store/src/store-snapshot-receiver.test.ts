// Goal: a snapshot can be served by byte range, sent in pieces, resumed after a break or a crash, and a corrupt chunk is refused alone; the received snapshot restores to the source state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MailStore } from './mail-store.js';
import { openSnapshotReader } from './snapshot-reader.js';
import { verifyChunk } from './snapshot-manifest.js';
import { StoreSnapshotReceiver } from './store-snapshot-receiver.js';
import { SnapshotCorruptError } from './store-errors.js';
import { makeTempDir, seededRandom, testSeed, workload } from './store-test-fixture.js';

const chunkBytes = 1000;

test('the virtual archive of a snapshot dir reads byte for byte like the archive file of the same capture', async (t) => {
  const seed = testSeed();
  t.diagnostic(`seed ${seed} (TEST_SEED=${seed} to replay)`);
  const tmp = await makeTempDir('snap-reader');
  try {
    const store = await MailStore.open({ dataDir: join(tmp.dir, 'data') });
    const cmds = workload(seed, 60);
    for (let i = 1; i <= cmds.length; i++) await store.apply(i, cmds[i - 1]!);
    const manifest = await store.createSnapshot(join(tmp.dir, 'snap'), { chunkBytes, archivePath: join(tmp.dir, 'one.tsnap') });
    await store.close();
    const file = await readFile(join(tmp.dir, 'one.tsnap'));
    assert.equal(file.length, manifest.totalBytes);
    const reader = await openSnapshotReader(join(tmp.dir, 'snap'));
    assert.equal(reader.totalBytes, manifest.totalBytes);
    assert.ok(Buffer.concat(await collect(reader.stream())).equals(file));
    const rnd = seededRandom(seed);
    for (let i = 0; i < 200; i++) {
      const offset = Math.floor(rnd() * (file.length + 10));
      const length = Math.floor(rnd() * 3 * chunkBytes);
      assert.ok((await reader.read(offset, length)).equals(file.subarray(offset, offset + length)), `seed ${seed}: ${offset}+${length}`);
    }
    for (let c = 0; c < manifest.chunkSha256.length; c++) assert.ok(verifyChunk(manifest, c, await reader.readChunk(c)));
    assert.equal(verifyChunk(manifest, 0, Buffer.alloc(chunkBytes)), false);
    await reader.close();
  } finally {
    await tmp.remove();
  }
});

test('a transfer in odd-sized pieces survives a corrupt chunk, a break and a torn tail, then restores the source', async (t) => {
  const seed = testSeed();
  t.diagnostic(`seed ${seed} (TEST_SEED=${seed} to replay)`);
  const rnd = seededRandom(seed);
  const tmp = await makeTempDir('snap-recv');
  try {
    const source = await MailStore.open({ dataDir: join(tmp.dir, 'src') });
    const cmds = workload(seed, 60);
    for (let i = 1; i <= cmds.length; i++) await source.apply(i, cmds[i - 1]!);
    const manifest = await source.createSnapshot(join(tmp.dir, 'snap'), { chunkBytes });
    const wanted = await source.stateDigest();
    await source.close();
    const reader = await openSnapshotReader(join(tmp.dir, 'snap'));
    const inbox = join(tmp.dir, 'inbox');
    assert.ok(manifest.chunkSha256.length >= 6, `only ${manifest.chunkSha256.length} chunks`);
    const badChunk = 1 + Math.floor(rnd() * (manifest.chunkSha256.length - 2));
    const breakAt = Math.floor(manifest.totalBytes * 0.7);

    let receiver = await StoreSnapshotReceiver.open(inbox, manifest);
    let corrupted = false;
    let broke = false;
    while (!receiver.complete) {
      const offset = receiver.receivedBytes;
      // Resends overlap what is already there; pieces cross chunk borders.
      const from = Math.max(0, offset - Math.floor(rnd() * 50));
      const piece = await reader.read(from, 1 + Math.floor(rnd() * 2500));
      // The bad byte is the chunk's last, so the write that carries it is the one that completes the chunk.
      const badAt = (badChunk + 1) * chunkBytes - 1;
      if (!corrupted && receiver.receivedBytes <= badChunk * chunkBytes && from <= badAt && from + piece.length > badAt) {
        corrupted = true;
        const bad = Buffer.from(piece);
        bad[badAt - from]! ^= 0xff;
        await assert.rejects(receiver.write(from, bad), SnapshotCorruptError);
        assert.equal(receiver.receivedBytes, badChunk * chunkBytes, 'nothing of the bad chunk counts');
        continue;
      }
      await receiver.write(from, piece);
      if (!broke && receiver.receivedBytes >= breakAt) {
        broke = true;
        const resumeAt = receiver.receivedBytes;
        await receiver.close();
        await appendFile(join(inbox, 'archive.part'), Buffer.alloc(777, 0x55)); // a torn, unsynced tail
        receiver = await StoreSnapshotReceiver.open(inbox, manifest);
        assert.equal(receiver.receivedBytes, resumeAt, 'resumes after the last good chunk');
      }
    }
    assert.ok(corrupted && broke);
    await assert.rejects(receiver.write(manifest.totalBytes + 5, Buffer.from('x')), RangeError);
    const dir = await receiver.finish();
    assert.equal((await StoreSnapshotReceiver.open(inbox, manifest)).complete, true);
    const received = await openSnapshotReader(dir);
    assert.ok(Buffer.concat(await collect(received.stream())).equals(Buffer.concat(await collect(reader.stream()))));
    await received.close();
    await reader.close();

    await MailStore.restoreSnapshot(join(tmp.dir, 'restored'), dir, { appliedIndex: cmds.length }); // workload() may end one past 60 (user.remove + user.add)
    const restored = await MailStore.open({ dataDir: join(tmp.dir, 'restored') });
    assert.equal(await restored.stateDigest(), wanted);
    await restored.close();
  } finally {
    await tmp.remove();
  }
});

async function collect(it: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const b of it) out.push(b);
  return out;
}
