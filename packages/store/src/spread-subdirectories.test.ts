// Goal: the staging directory is marked so ext4 spreads its subdirectories (chattr +T, visible in lsattr), and a file system or tool that cannot is not an error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { spreadSubdirectories } from './spread-subdirectories.js';
import { makeTempDir } from './store-test-fixture.js';

/** lsattr -d's flag letters for `dir`, or undefined where lsattr cannot read them (not ext2/3/4). */
function flagsOf(dir: string): string | undefined {
  try { return execFileSync('lsattr', ['-d', dir], { encoding: 'utf8' }).split(' ')[0]; } catch { return undefined; }
}

test('the directory gets the top-directory flag where the file system has it', async (t) => {
  const tmp = await makeTempDir('tandem-spread-');
  try {
    const before = flagsOf(tmp.dir);
    if (before === undefined) { t.skip('lsattr cannot read flags here (not ext4)'); return; }
    assert.equal(before.includes('T'), false);
    assert.equal(await spreadSubdirectories(tmp.dir), true);
    assert.ok(flagsOf(tmp.dir)!.includes('T'), 'T flag set');
  } finally { await tmp.remove(); }
});

test('a directory that does not exist resolves false instead of throwing', async () => {
  const tmp = await makeTempDir('tandem-spread-');
  try { assert.equal(await spreadSubdirectories(join(tmp.dir, 'missing')), false); } finally { await tmp.remove(); }
});
