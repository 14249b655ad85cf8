// Goal: the worker makes empty spare files in the staging directory ahead of need, take() hands each out once, refills when low, and close() stops it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
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
      assert.ok(path.startsWith(tmp.dir + '/spare-'));
      assert.equal((await stat(path)).size, 0);
      assert.ok(!taken.has(path), 'never handed out twice');
      taken.add(path);
    }
    await spares.whenReady(); // running low asked for the next batch
    assert.equal(spares.size, limits.spareFilesBatch);
    assert.equal((await readdir(tmp.dir)).length, 2 * limits.spareFilesBatch);
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
