// Goal: a checkpoint's path set is synced with one syncfs when it is large and on the root's file system, with an fsync per path otherwise; either way every path is reported synced to the durability model only when it really was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { limits } from '@tandem/config';
import { setFsObserver } from './fs-observer.js';
import type { FsObserver } from './fs-observer.js';
import { syncFileSystemSupported } from './sync-file-system.js';
import { UnsyncedPaths, syncPathSet } from './unsynced-paths.js';
import { makeTempDir } from './store-test-fixture.js';

/** Records the paths reported synced. */
function recordSyncs(): { synced: string[]; stop: () => void } {
  const synced: string[] = [];
  const ignore = (): void => undefined;
  const observer: FsObserver = {
    written: ignore, linked: ignore, renamed: ignore, unlinked: ignore, renamedDir: ignore, removedTree: ignore,
    synced: (path) => { synced.push(path); },
  };
  setFsObserver(observer);
  return { synced, stop: () => setFsObserver(undefined) };
}

async function setOf(dir: string, files: number, existing: number): Promise<UnsyncedPaths> {
  const sub = join(dir, 'new');
  await mkdir(sub, { recursive: true });
  const paths = new UnsyncedPaths();
  for (let i = 0; i < files; i++) {
    const path = join(sub, `m${i}`);
    if (i < existing) await writeFile(path, `message ${i}\n`);
    paths.addFile(path);
  }
  paths.addDir(sub);
  return paths;
}

test('a small set is fsynced path by path: names that are gone are skipped', async () => {
  const tmp = await makeTempDir('tandem-unsynced-');
  const rec = recordSyncs();
  try {
    const set = (await setOf(tmp.dir, 4, 2)).take();
    const n = await syncPathSet(set, { inFlightMax: 2, root: tmp.dir });
    assert.equal(n, 5);
    assert.deepEqual(rec.synced.sort(), [join(tmp.dir, 'new'), join(tmp.dir, 'new', 'm0'), join(tmp.dir, 'new', 'm1')].sort());
  } finally { rec.stop(); await tmp.remove(); }
});

test('a large set on one file system is synced with one syncfs: every path is reported synced', { skip: !syncFileSystemSupported() && 'syncfs does not report errors on this kernel' }, async () => {
  const tmp = await makeTempDir('tandem-unsynced-');
  const rec = recordSyncs();
  try {
    const files = limits.checkpointSyncfsPathsMin;
    // Half the names are gone (removed by later commands): per-path fsync would report only the rest.
    const set = (await setOf(tmp.dir, files, files / 2)).take();
    const n = await syncPathSet(set, { inFlightMax: 2, root: tmp.dir });
    assert.equal(n, files + 1);
    assert.equal(rec.synced.length, files + 1);
  } finally { rec.stop(); await tmp.remove(); }
});

test('a failing syncfs rejects: the checkpoint fails instead of vouching for unsynced files', { skip: !syncFileSystemSupported() && 'syncfs does not report errors on this kernel' }, async () => {
  const tmp = await makeTempDir('tandem-unsynced-');
  try {
    const set = (await setOf(tmp.dir, limits.checkpointSyncfsPathsMin, 1)).take();
    await assert.rejects(syncPathSet(set, { inFlightMax: 2, root: join(tmp.dir, 'no-such-root') }), /ENOENT|no-such-root/);
  } finally { await tmp.remove(); }
});
