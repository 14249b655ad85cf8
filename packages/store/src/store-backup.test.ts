// Goal: a backup streams the snapshot archive without leaving anything in the data dir, checks itself (a flipped byte is found), and restores — rebased past the lost history — to the same mail with a new UIDVALIDITY everywhere, after which the log continues past the rebase index.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { LocalCommandLog } from './local-command-log.js';
import { MailStore } from './mail-store.js';
import { openBackupStream, verifySnapshotFile } from './store-backup.js';
import { SnapshotCorruptError } from './store-errors.js';
import { StoreFeeder, deliverCommand, makeTempDir } from './store-test-fixture.js';

const scratchLeft = async (dataDir: string): Promise<string[]> => (await readdir(dataDir)).filter((n) => n.startsWith('.snapshot-scratch-'));

async function feed(f: StoreFeeder): Promise<string> {
  const user = await f.withDemoUser();
  for (let n = 1; n <= 4; n++) await f.ok(deliverCommand(n, user));
  await f.ok({ type: 'message.store', user, mailbox: 'INBOX', uids: [2], operation: 'add', flags: ['\\Seen', 'Work'] });
  await f.ok({ type: 'mailbox.create', user, mailbox: 'Projects' });
  await f.ok({ type: 'message.copy', user, mailbox: 'INBOX', uids: [1, 3], target: 'Projects', move: false });
  return user;
}

test('backup → check → restore rebased: same mail, every UIDVALIDITY new, the log goes on after the rebase index', async () => {
  const tmp = await makeTempDir('backup');
  const source = await StoreFeeder.open(join(tmp.dir, 'source'));
  const archive = join(tmp.dir, 'backup.snapshot');
  let user: string;
  let snapshotIndex: number;
  try {
    user = await feed(source);
    snapshotIndex = source.store.appliedIndex;
    const backup = await openBackupStream(source.store);
    assert.equal(backup.manifest.appliedIndex, snapshotIndex);
    await pipeline(backup.bytes, createWriteStream(archive));
    assert.deepEqual(await scratchLeft(source.dataDir), [], 'the scratch snapshot is gone once the stream ended');
    assert.equal((await readFile(archive)).length, backup.manifest.totalBytes);
    assert.equal(await verifySnapshotFile(archive), snapshotIndex);

    // A backup nobody reads still cleans up.
    const unread = await openBackupStream(source.store);
    assert.equal((await scratchLeft(source.dataDir)).length, 1);
    await unread.close();
    assert.deepEqual(await scratchLeft(source.dataDir), []);
  } finally {
    await source.close();
  }

  const sourceStore = await MailStore.open({ dataDir: join(tmp.dir, 'source') });
  const target = join(tmp.dir, 'target');
  const rebaseTo = snapshotIndex + 1000;
  try {
    await assert.rejects(MailStore.restoreSnapshot(target, archive, { rebaseTo: snapshotIndex }), RangeError);
    const summary = await MailStore.restoreSnapshot(target, archive, { rebaseTo });
    assert.equal(summary.appliedIndex, rebaseTo);
    assert.equal(summary.snapshotIndex, snapshotIndex);
    const restored = await MailStore.open({ dataDir: target });
    try {
      assert.equal(restored.appliedIndex, rebaseTo);
      assert.equal(restored.checkpointIndex, rebaseTo);
      for (const mailbox of sourceStore.listMailboxes(user)) {
        const after = restored.getMailbox(user, mailbox.name)!;
        assert.equal(after.uidValidity, rebaseTo, mailbox.name);
        assert.notEqual(after.uidValidity, mailbox.uidValidity);
        assert.equal(after.uidNext, mailbox.uidNext);
        const before = sourceStore.listMessages(user, mailbox.name);
        assert.deepEqual(restored.listMessages(user, mailbox.name).map((m) => [m.uid, m.flags]), before.map((m) => [m.uid, m.flags]));
        for (const m of before) assert.deepEqual(await restored.readMessage(user, mailbox.name, m.uid), await sourceStore.readMessage(user, mailbox.name, m.uid));
      }
      const log = await LocalCommandLog.open({ dir: join(target, 'log'), store: restored });
      try {
        const result = await log.propose({ ...deliverCommand(9, user), timestampMs: 1 } as Parameters<typeof log.propose>[0]);
        assert.equal(result.ok && result.index, rebaseTo + 1);
      } finally {
        await log.close();
      }
      assert.equal(await LocalCommandLog.lastIndexOnDisk(join(target, 'log')), rebaseTo + 1);
    } finally {
      await restored.close();
    }
  } finally {
    await sourceStore.close();
    await tmp.remove();
  }
});

test('a flipped byte anywhere in a backup is found', async () => {
  const tmp = await makeTempDir('backup-corrupt');
  const f = await StoreFeeder.open(join(tmp.dir, 'data'));
  try {
    await feed(f);
    const backup = await openBackupStream(f.store);
    const archive = join(tmp.dir, 'backup.snapshot');
    await pipeline(backup.bytes, createWriteStream(archive));
    const bytes = await readFile(archive);
    for (const at of [20, Math.floor(bytes.length / 2), bytes.length - 5]) {
      const bad = Buffer.from(bytes);
      bad[at] = bad[at]! ^ 0x01;
      const path = join(tmp.dir, `bad-${at}`);
      await writeFile(path, bad);
      await assert.rejects(verifySnapshotFile(path), SnapshotCorruptError, `byte ${at}`);
    }
    await writeFile(join(tmp.dir, 'short'), bytes.subarray(0, bytes.length - 1));
    await assert.rejects(verifySnapshotFile(join(tmp.dir, 'short')), /truncated/);
  } finally {
    await f.close();
    await tmp.remove();
  }
});

test('lastIndexOnDisk: no log dir, an empty log, a log with entries', async () => {
  const tmp = await makeTempDir('log-last');
  try {
    assert.equal(await LocalCommandLog.lastIndexOnDisk(join(tmp.dir, 'none')), undefined);
    const store = await MailStore.open({ dataDir: join(tmp.dir, 'data') });
    const log = await LocalCommandLog.open({ dir: join(tmp.dir, 'data', 'log'), store });
    assert.equal(await LocalCommandLog.lastIndexOnDisk(join(tmp.dir, 'data', 'log')), 0);
    await log.propose({ type: 'domain.add', domain: 'example.test', timestampMs: 1 });
    await log.propose({ type: 'domain.add', domain: 'example.org', timestampMs: 2 });
    assert.equal(await LocalCommandLog.lastIndexOnDisk(join(tmp.dir, 'data', 'log')), 2);
    await log.close();
    await store.close();
  } finally {
    await tmp.remove();
  }
});
