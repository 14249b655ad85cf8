// Goal: syncfs through coreutils' `sync -f` succeeds on a real directory and turns a failure into a typed error; the kernel gate reads the release.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FileSystemSyncError, syncFileSystem, syncFileSystemSupported } from './sync-file-system.js';
import { makeTempDir } from './store-test-fixture.js';

test('syncFileSystem resolves for a directory that exists', async () => {
  const tmp = await makeTempDir('tandem-syncfs-');
  try { await syncFileSystem(tmp.dir); } finally { await tmp.remove(); }
});

test('syncFileSystem rejects with FileSystemSyncError naming the path when sync fails', async () => {
  const missing = '/nonexistent-tandem-syncfs-target';
  await assert.rejects(syncFileSystem(missing), (err: unknown) => {
    assert.ok(err instanceof FileSystemSyncError);
    assert.match(err.message, /nonexistent-tandem-syncfs-target/);
    return true;
  });
});

test('TANDEM_SYNC_PER_PATH=1 turns syncfs off', () => {
  const before = process.env['TANDEM_SYNC_PER_PATH'];
  process.env['TANDEM_SYNC_PER_PATH'] = '1';
  try { assert.equal(syncFileSystemSupported(), false); } finally {
    if (before === undefined) delete process.env['TANDEM_SYNC_PER_PATH'];
    else process.env['TANDEM_SYNC_PER_PATH'] = before;
  }
});

test('one helper answers requests in order: a failure does not disturb the requests around it', async () => {
  const tmp = await makeTempDir('tandem-syncfs-');
  try {
    const outcomes = await Promise.allSettled([
      syncFileSystem(tmp.dir), syncFileSystem('/nonexistent-tandem-syncfs-a'), syncFileSystem(tmp.dir),
    ]);
    assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.match(String((outcomes[1] as PromiseRejectedResult).reason), /nonexistent-tandem-syncfs-a/);
  } finally { await tmp.remove(); }
});

test('a path with a line break is refused, not sent to the helper', async () => {
  await assert.rejects(syncFileSystem('/tmp/a\nb'), FileSystemSyncError);
});
