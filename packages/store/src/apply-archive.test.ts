// Goal: the archive journal as replicated state — off until enabled; then every accepted message (delivered,
// sent elsewhere, held) gets a chained record and a link that outlives the user's expunge; retention expires
// old records' messages but keeps the records (the chain still verifies), except under a legal hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import type { Command } from './command.js';
import type { QueueCountValue } from './apply-result.js';
import { StoreFeeder, baseTimeMs, deliverCommand, makeTempDir, type DistributiveOmit } from './store-test-fixture.js';
import { checkStoreFiles } from './check-store-files.js';
import { archiveRecordHash, genesisHash } from './apply-archive.js';

async function withStore(fn: (f: StoreFeeder, user: string) => Promise<void>): Promise<void> {
  const tmp = await makeTempDir('archive');
  const f = await StoreFeeder.open(tmp.dir);
  try {
    await fn(f, await f.withDemoUser());
  } finally {
    await f.close();
    await tmp.remove();
  }
}

const day = 86_400_000;

function send(n: number, mailFrom: string, local: string[], remote: string[]): DistributiveOmit<Command, 'timestampMs'> {
  return {
    type: 'message.send', dedupeKey: `s${n}`, queueId: `S${n}`, envelope: { mailFrom, rcptTo: [...local, ...remote] },
    recipients: local.map((user) => ({ user, mailbox: 'INBOX' })), remote,
    message: Buffer.from(`From: Demo <${mailFrom}>\r\nSubject: =?UTF-8?Q?r=C3=A9sum=C3=A9?= ${n}\r\n\tfolded\r\nMessage-ID: <m${n}@example.test>\r\n\r\nbody ${n}\r\n`),
  };
}

/** Every record's hash recomputed from its fields and the one before. */
function chainHolds(f: StoreFeeder): boolean {
  let prev = genesisHash;
  for (const r of f.store.archiveRecords()) {
    if (r.prevHash !== prev || archiveRecordHash(r) !== r.hash) return false;
    prev = r.hash;
  }
  return f.store.archiveHead()?.hash === prev;
}

test('off until enabled; then deliveries, sends and holds are journaled, chained, with their header fields', () => withStore(async (f, user) => {
  await f.ok(deliverCommand(1, user));
  assert.deepEqual([...f.store.archiveRecords()], []);
  await f.ok({ type: 'archive.configure', enabled: true, retentionDays: 365 });
  assert.deepEqual(f.store.archiveConfig(), { enabled: true, retentionDays: 365, changedMs: f.store.archiveConfig()!.changedMs });
  await f.ok(deliverCommand(2, user));
  await f.ok(send(3, user, [user], ['friend@remote.test']));
  await f.ok({
    type: 'message.hold', dedupeKey: 'h4', queueId: 'H4', rule: 'r', envelope: { mailFrom: 'x@elsewhere.test', rcptTo: [user] },
    recipients: [{ user, mailbox: 'INBOX' }], remote: [], message: Buffer.from('Subject: held\r\n\r\nheld\r\n'),
  });
  const records = [...f.store.archiveRecords()];
  assert.deepEqual(records.map((r) => [r.seq, r.queueId, r.rcptTo]), [[1, 'Q2', [user]], [2, 'S3', [user, 'friend@remote.test']], [3, 'H4', [user]]]);
  assert.equal(records[1]!.subject, '=?UTF-8?Q?r=C3=A9sum=C3=A9?= 3\tfolded');
  assert.equal(records[1]!.from, `Demo <${user}>`);
  assert.equal(records[1]!.messageId, '<m3@example.test>');
  assert.equal(records[0]!.prevHash, genesisHash);
  assert.ok(chainHolds(f));
  // The journal's copy is the delivered file (one inode), and it stays when the user expunges theirs.
  assert.equal((await stat(f.store.messagePath(user, 'INBOX', 2)!)).ino, (await stat(`${f.store.paths.archiveDir}/${records[0]!.file}`)).ino);
  await f.ok({ type: 'message.store', user, mailbox: 'INBOX', uids: [2], operation: 'add', flags: ['\\Deleted'] });
  await f.ok({ type: 'message.expunge', user, mailbox: 'INBOX' });
  assert.equal(f.store.messagePath(user, 'INBOX', 2), undefined);
  assert.equal((await f.store.readArchived(1)).toString(), 'Subject: message 2\r\n\r\nbody 2\r\n');
  assert.deepEqual(await checkStoreFiles(f.store), { filesWithoutRow: [], rowsWithoutFile: [] });
  // Disabled again: nothing more is journaled.
  await f.ok({ type: 'archive.configure', enabled: false });
  await f.ok(deliverCommand(5, user));
  assert.equal([...f.store.archiveRecords()].length, 3);
}));

test('a record changed in place breaks the chain from there (what verify finds)', () => withStore(async (f, user) => {
  await f.ok({ type: 'archive.configure', enabled: true });
  for (let n = 1; n <= 3; n++) await f.ok(deliverCommand(n, user));
  const second = [...f.store.archiveRecords()][1]!;
  assert.notEqual(archiveRecordHash({ ...second, rcptTo: ['someone-else@example.test'] }), second.hash);
  assert.notEqual(archiveRecordHash({ ...second, sha256: '0'.repeat(64) }), second.hash);
}));

test('retention: records before the cut lose their message but stay in the chain; a legal hold keeps its custodian\'s', () => withStore(async (f, user) => {
  await f.ok({ type: 'user.add', address: 'ceo@example.test', passwordHash: (f.store.getUser(user)!).passwordHash });
  await f.ok({ type: 'archive.configure', enabled: true, retentionDays: 30 });
  await f.ok({ ...deliverCommand(1, user), timestampMs: baseTimeMs });
  await f.ok({ ...deliverCommand(2, 'ceo@example.test'), timestampMs: baseTimeMs + day });
  await f.ok({ ...deliverCommand(3, user), timestampMs: baseTimeMs + 60 * day });
  await f.ok({ type: 'archive.hold.add', name: 'case-42', custodian: 'CEO@example.test', reason: 'litigation' });
  const dup = await f.apply({ type: 'archive.hold.add', name: 'case-42', custodian: '@example.test', reason: '' });
  assert.deepEqual([dup.ok, !dup.ok && dup.error], [false, 'EXISTS']);

  const expired = await f.ok<QueueCountValue>({ type: 'archive.expire', beforeMs: baseTimeMs + 30 * day, timestampMs: baseTimeMs + 61 * day });
  assert.equal(expired.count, 1);
  const records = [...f.store.archiveRecords()];
  assert.deepEqual(records.map((r) => [r.seq, r.file === null]), [[1, true], [2, false], [3, false]]);
  assert.equal(records[0]!.expiredMs, baseTimeMs + 61 * day);
  await assert.rejects(f.store.readArchived(1), /retention expired it/);
  assert.ok(chainHolds(f), 'the chain verifies across an expired record');
  assert.deepEqual(await checkStoreFiles(f.store), { filesWithoutRow: [], rowsWithoutFile: [] });

  await f.ok({ type: 'archive.hold.remove', name: 'case-42' });
  assert.equal((await f.ok<QueueCountValue>({ type: 'archive.expire', beforeMs: baseTimeMs + 30 * day, timestampMs: baseTimeMs + 62 * day })).count, 1);
  assert.equal((await f.ok<QueueCountValue>({ type: 'archive.expire', beforeMs: baseTimeMs + 30 * day, timestampMs: baseTimeMs + 63 * day })).count, 0);
  const bad = await f.apply({ type: 'archive.configure', enabled: true, retentionDays: 0 });
  assert.deepEqual([bad.ok, !bad.ok && bad.error], [false, 'INVALID']);
}));
