// Goal: the worker makes empty spare files ahead of need, take() hands each out once, refills when low, keeps filling a directory while creates are cheap, moves to new directories (bounded) when they are slow, removes drained directories once emptied but never the one it fills, and close() stops it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { limits } from '@tandem/config';
import { SpareFiles } from './spare-files.js';
import { makeTempDir } from './store-test-fixture.js';

const neverSlow = { slowUs: 1e9 };
const dirOf = (path: string): string => path.slice(0, path.lastIndexOf('/'));
/** (A call, so an assertion on `size` does not narrow later reads of it.) */
const ready = (spares: SpareFiles): number => spares.size;

test('spares are empty files, each handed out once, refilled when low, in one directory while creates are cheap', async () => {
  const tmp = await makeTempDir('tandem-spares-');
  const spares = new SpareFiles(tmp.dir, neverSlow);
  try {
    assert.equal(spares.take(), undefined, 'none ready before the first batch');
    await spares.whenReady();
    assert.equal(spares.size, limits.spareFilesBatch);
    const taken = new Set<string>();
    for (let i = 0; i < 2 * limits.spareFilesBatch; i++) {
      if (ready(spares) === 0) await spares.whenReady();
      const path = spares.take();
      assert.ok(path !== undefined, `spare ${i} ready`);
      assert.equal(dirOf(path), join(tmp.dir, 'spares-0'), 'cheap creates stay in the first directory');
      assert.equal((await stat(path)).size, 0);
      assert.ok(!taken.has(path), 'never handed out twice');
      taken.add(path);
    }
    await spares.whenReady();
    assert.deepEqual(await readdir(tmp.dir), ['spares-0']);
    assert.equal(spares.directoriesOpened, 1);
  } finally {
    await spares.close();
    await tmp.remove();
  }
});

test('a directory closes after directoryFilesMax files; a drained one is removed once its files are renamed away', async () => {
  const tmp = await makeTempDir('tandem-spares-');
  const spares = new SpareFiles(tmp.dir, { ...neverSlow, directoryFilesMax: 100 });
  try {
    await spares.whenReady();
    const first: string[] = [];
    for (let i = 0; i < 100; i++) first.push(spares.take()!);
    assert.ok(first.every((p) => dirOf(p) === join(tmp.dir, 'spares-0')));
    assert.equal(dirOf(spares.take()!), join(tmp.dir, 'spares-1'), 'the 101st file is in the next directory');
    await spares.whenReady(); // running low asked for more: spares-0 is drained but its files are still there (staged)
    assert.ok((await readdir(tmp.dir)).includes('spares-0'), 'a directory with staged files is kept');
    for (const path of first) await rename(path, join(tmp.dir, `applied-${path.slice(path.lastIndexOf('/') + 1)}`));
    while (spares.size >= limits.spareFilesLow) spares.take();
    spares.take();
    await spares.whenReady();
    const names = await readdir(tmp.dir);
    assert.ok(!names.includes('spares-0'), 'the emptied directory is removed');
    assert.ok(names.includes('spares-1'), 'the directory still being filled is kept');
  } finally {
    await spares.close();
    await tmp.remove();
  }
});

test('a slow window of creates moves the worker to new directories, at most probesMax per request', async () => {
  const tmp = await makeTempDir('tandem-spares-');
  // Every window counts as slow: the worker probes as far as it may, then keeps the last directory.
  const spares = new SpareFiles(tmp.dir, { slowUs: 0, spikeUs: 1e9, probesMax: 3, window: 8 });
  try {
    await spares.whenReady();
    assert.equal(spares.size, limits.spareFilesBatch, 'the batch is complete all the same');
    assert.equal(spares.directoriesOpened, 4, 'the first directory and 3 probes');
    const perDir = new Map<string, number>();
    for (let p = spares.take(); p !== undefined && perDir.size < 5; p = ready(spares) > 0 ? spares.take() : undefined) {
      perDir.set(dirOf(p), (perDir.get(dirOf(p)) ?? 0) + 1);
      if (ready(spares) === 0) break;
    }
    assert.deepEqual([...perDir.values()].slice(0, 3), [8, 8, 8], 'each probed directory got one window');
  } finally {
    await spares.close();
    await tmp.remove();
  }
});

test('after close() nothing more is made', async () => {
  const tmp = await makeTempDir('tandem-spares-');
  const spares = new SpareFiles(tmp.dir);
  try {
    await spares.close();
    assert.equal(spares.take(), undefined);
    await spares.whenReady();
    assert.equal(spares.size, 0);
    assert.deepEqual(await readdir(tmp.dir), []);
  } finally { await tmp.remove(); }
});

test('one very slow create moves on at once', async () => {
  const tmp = await makeTempDir('tandem-spares-');
  const spares = new SpareFiles(tmp.dir, { slowUs: 1e9, spikeUs: 0, probesMax: 2 });
  try {
    await spares.whenReady();
    assert.equal(spares.directoriesOpened, 3);
    assert.deepEqual([spares.take(), spares.take(), spares.take()].map((p) => dirOf(p!).slice(tmp.dir.length + 1)), ['spares-0', 'spares-1', 'spares-2']);
    assert.equal(dirOf(spares.take()!), join(tmp.dir, 'spares-2'), 'the last probe keeps the rest');
  } finally {
    await spares.close();
    await tmp.remove();
  }
});
