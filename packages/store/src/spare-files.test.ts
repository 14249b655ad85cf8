// Goal: the worker makes empty spare files in a directory per batch ahead of need, take() hands each out once, refills when low, drained batch directories are removed once emptied, and close() stops it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { limits } from '@tandem/config';
import { SpareFiles } from './spare-files.js';
import { makeTempDir } from './store-test-fixture.js';

test('spares are empty files in the directory, each handed out once, refilled when low', async () => {
  const tmp = await makeTempDir('tandem-spares-');
  const spares = new SpareFiles(tmp.dir);
  try {
    assert.equal(spares.take(), undefined, 'none ready before the first batch');
    await spares.whenReady();
    assert.equal(spares.size, limits.spareFilesBatch);
    const taken = new Set<string>();
    for (let i = 0; i < limits.spareFilesBatch; i++) {
      const path = spares.take();
      assert.ok(path !== undefined, `spare ${i} ready`);
      assert.ok(path.startsWith(tmp.dir + '/spares-0/'), path);
      assert.equal((await stat(path)).size, 0);
      assert.ok(!taken.has(path), 'never handed out twice');
      taken.add(path);
    }
    await spares.whenReady(); // running low asked for the next batch
    assert.equal(spares.size, limits.spareFilesBatch);
    assert.deepEqual((await readdir(tmp.dir)).sort(), ['spares-0', 'spares-1']);
    // The first batch is drained, but its files are still there (staged): its directory stays.
    for (let i = 0; i < limits.spareFilesBatch - limits.spareFilesLow + 1; i++) spares.take();
    await spares.whenReady();
    assert.ok((await readdir(tmp.dir)).includes('spares-0'), 'a directory with staged files is kept');
    // Once its files were renamed away (applied), the next request removes it.
    for (const path of taken) await rename(path, join(tmp.dir, `applied-${path.slice(path.lastIndexOf('/') + 1)}`));
    for (let i = 0; i < limits.spareFilesBatch; i++) spares.take();
    await spares.whenReady();
    assert.ok(!(await readdir(tmp.dir)).includes('spares-0'), 'the emptied batch directory is removed');
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
