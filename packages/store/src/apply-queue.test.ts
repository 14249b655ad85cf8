// Goal: the outbound queue as replicated state — message.send delivers locally and queues remotely in one
// transaction; queue.attempt records outcomes (final ones stay final) and ends the entry with its file;
// retry and remove; the queue survives a reopen and a snapshot like mail does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from './command.js';
import type { DeliverValue, QueueAttemptValue, QueueCountValue } from './apply-result.js';
import { StoreFeeder, baseTimeMs, makeTempDir, type DistributiveOmit } from './store-test-fixture.js';
import { checkStoreFiles } from './check-store-files.js';
import { MailStore } from './mail-store.js';

async function withStore(fn: (f: StoreFeeder, user: string, dataDir: string) => Promise<void>): Promise<void> {
  const tmp = await makeTempDir('queue');
  const f = await StoreFeeder.open(tmp.dir);
  try {
    await fn(f, await f.withDemoUser(), tmp.dir);
  } finally {
    await f.close();
    await tmp.remove();
  }
}

function send(n: number, local: string[], remote: string[], body = `message ${n}\r\n`): DistributiveOmit<Command, 'timestampMs'> {
  return {
    type: 'message.send',
    dedupeKey: `send-${n}`,
    queueId: `Q${n}`,
    envelope: { mailFrom: 'demo@example.test', rcptTo: [...local, ...remote] },
    recipients: local.map((user) => ({ user, mailbox: 'INBOX' })),
    remote,
    message: Buffer.from(`Subject: ${n}\r\n\r\n${body}`),
  };
}

const queueFiles = async (dataDir: string): Promise<string[]> => {
  try { return await readdir(join(dataDir, 'mail', '.queue', 'new')); } catch { return []; }
};

test('message.send: local recipients get the message and the remote ones are queued, sharing one file', () => withStore(async (f, user, dataDir) => {
  const v = await f.ok<DeliverValue>(send(1, [user], ['a@remote.test', 'B@Remote.TEST', 'a@remote.test']));
  assert.deepEqual(v.deliveries.map((d) => [d.user, d.uid]), [[user, 1]]);
  assert.deepEqual(v.queued, ['a@remote.test', 'B@remote.test']);
  const [entry] = f.store.listQueue();
  assert.ok(entry);
  assert.equal(entry.queueId, 'Q1');
  assert.equal(entry.mailFrom, 'demo@example.test');
  assert.equal(entry.nextAttemptMs, entry.arrivalMs);
  assert.deepEqual(entry.recipients.map((r) => [r.address, r.state, r.attempts]), [['a@remote.test', 'pending', 0], ['B@remote.test', 'pending', 0]]);
  const queued = await f.store.readQueued('Q1');
  assert.deepEqual(queued, await f.store.readMessage(user, 'INBOX', 1));
  const [name] = await queueFiles(dataDir);
  assert.equal((await stat(join(dataDir, 'mail', '.queue', 'new', name!))).ino, (await stat(f.store.messagePath(user, 'INBOX', 1)!)).ino);
  assert.deepEqual(await checkStoreFiles(f.store), { filesWithoutRow: [], rowsWithoutFile: [] });
}));

test('message.send: remote only; a repeat is a duplicate; a local-domain "remote", an empty list or a used queue id is refused', () => withStore(async (f, _user, dataDir) => {
  const v = await f.ok<DeliverValue>(send(1, [], ['x@remote.test']));
  assert.deepEqual([v.deliveries, v.queued], [[], ['x@remote.test']]);
  const again = await f.ok<DeliverValue>(send(1, [], ['x@remote.test']));
  assert.equal(again.duplicate, true);
  assert.equal(f.store.listQueue().length, 1);
  assert.equal((await queueFiles(dataDir)).length, 1);
  const refusals = [
    await f.apply({ ...send(2, [], ['demo@example.test']) }),
    await f.apply({ ...send(3, [], []) }),
    await f.apply({ ...send(4, [], ['not an address']) }),
    await f.apply({ ...send(5, [], ['y@remote.test']), queueId: 'Q1' } as never),
  ];
  assert.deepEqual(refusals.map((r) => !r.ok && r.error), ['INVALID', 'INVALID', 'INVALID', 'EXISTS']);
  assert.equal(f.store.listQueue().length, 1);
  assert.equal((await queueFiles(dataDir)).length, 1);
}));

test('queue.attempt: outcomes per recipient, a final one stays final, the last one ends the entry and its file', () => withStore(async (f, _user, dataDir) => {
  await f.ok(send(1, [], ['a@remote.test', 'b@remote.test', 'c@remote.test']));
  const first = await f.ok<QueueAttemptValue>({
    type: 'queue.attempt', queueId: 'Q1', recipients: ['a@remote.test', 'b@remote.test', 'c@remote.test'],
    outcomes: ['delivered', 'deferred', 'failed'], replies: ['250 ok', '451 4.7.1 try\r\nlater', '550 5.1.1 no such user'],
    nextAttemptMs: baseTimeMs + 60_000_000,
  });
  assert.deepEqual(first, { pending: 1, removed: false });
  let entry = f.store.getQueueEntry('Q1')!;
  assert.equal(entry.attempts, 1);
  assert.equal(entry.nextAttemptMs, baseTimeMs + 60_000_000);
  assert.deepEqual(entry.recipients.map((r) => [r.state, r.attempts, r.reply]), [
    ['delivered', 1, '250 ok'], ['pending', 1, '451 4.7.1 try later'], ['failed', 1, '550 5.1.1 no such user']]);

  // A late report that "a" failed (a second attempt racing the first) changes nothing of "a".
  const second = await f.ok<QueueAttemptValue>({
    type: 'queue.attempt', queueId: 'Q1', recipients: ['a@remote.test', 'b@remote.test'],
    outcomes: ['failed', 'deferred'], replies: ['550 no', '421 busy'], nextAttemptMs: baseTimeMs + 90_000_000,
  });
  assert.deepEqual(second, { pending: 1, removed: false });
  entry = f.store.getQueueEntry('Q1')!;
  assert.deepEqual(entry.recipients.map((r) => [r.state, r.attempts]), [['delivered', 1], ['pending', 2], ['failed', 1]]);

  const last = await f.ok<QueueAttemptValue>({
    type: 'queue.attempt', queueId: 'Q1', recipients: ['b@remote.test'], outcomes: ['delivered'], replies: ['250 2.0.0 ok'], nextAttemptMs: 0,
  });
  assert.deepEqual(last, { pending: 0, removed: true });
  assert.equal(f.store.getQueueEntry('Q1'), undefined);
  assert.deepEqual(await queueFiles(dataDir), []);
  const gone = await f.apply({ type: 'queue.attempt', queueId: 'Q1', recipients: [], outcomes: [], replies: [], nextAttemptMs: 0 });
  assert.deepEqual([gone.ok, !gone.ok && gone.error], [false, 'NOTFOUND']);
  const bad = await f.ok(send(2, [], ['z@remote.test'])).then(() => f.apply({
    type: 'queue.attempt', queueId: 'Q2', recipients: ['z@remote.test'], outcomes: ['bounced' as never], replies: ['x'], nextAttemptMs: 0,
  }));
  assert.deepEqual([bad.ok, !bad.ok && bad.error], [false, 'INVALID']);
  assert.deepEqual(await checkStoreFiles(f.store), { filesWithoutRow: [], rowsWithoutFile: [] });
}));

test('queue.retry makes one entry or all due now; queue.remove drops the entry and its file', () => withStore(async (f, user, dataDir) => {
  await f.ok(send(1, [user], ['a@remote.test']));
  await f.ok(send(2, [], ['b@remote.test']));
  for (const id of ['Q1', 'Q2']) {
    await f.ok({ type: 'queue.attempt', queueId: id, recipients: [], outcomes: [], replies: [], nextAttemptMs: baseTimeMs * 2 });
  }
  const one = await f.ok<QueueCountValue>({ type: 'queue.retry', queueId: 'Q2' });
  assert.equal(one.count, 1);
  assert.ok(f.store.getQueueEntry('Q2')!.nextAttemptMs < baseTimeMs * 2);
  assert.equal(f.store.getQueueEntry('Q1')!.nextAttemptMs, baseTimeMs * 2);
  assert.equal((await f.ok<QueueCountValue>({ type: 'queue.retry' })).count, 2);
  assert.ok(f.store.getQueueEntry('Q1')!.nextAttemptMs < baseTimeMs * 2);
  const missing = await f.apply({ type: 'queue.retry', queueId: 'NOPE' });
  assert.deepEqual([missing.ok, !missing.ok && missing.error], [false, 'NOTFOUND']);

  assert.equal((await f.ok<QueueCountValue>({ type: 'queue.remove', queueId: 'Q1' })).count, 1);
  assert.deepEqual(f.store.listQueue().map((e) => e.queueId), ['Q2']);
  assert.equal((await queueFiles(dataDir)).length, 1);
  // The local copy of Q1 is the user's own file now: removing the queue entry leaves it.
  assert.equal((await readFile(f.store.messagePath(user, 'INBOX', 1)!)).toString(), 'Subject: 1\r\n\r\nmessage 1\r\n');
  assert.deepEqual(await checkStoreFiles(f.store), { filesWithoutRow: [], rowsWithoutFile: [] });
}));

test('the queue is kept across a reopen, and a snapshot restored elsewhere has it with its bytes', async () => {
  const tmp = await makeTempDir('queue-reopen');
  const other = await makeTempDir('queue-restore');
  try {
    let f = await StoreFeeder.open(tmp.dir);
    await f.withDemoUser();
    await f.ok(send(1, [], ['a@remote.test', 'b@remote.test']));
    await f.ok({ type: 'queue.attempt', queueId: 'Q1', recipients: ['a@remote.test'], outcomes: ['delivered'], replies: ['250 ok'], nextAttemptMs: baseTimeMs * 2 });
    const before = f.store.listQueue();
    await f.close();
    f = await StoreFeeder.open(tmp.dir);
    assert.deepEqual(f.store.listQueue(), before);
    assert.equal((await f.store.readQueued('Q1')).toString(), 'Subject: 1\r\n\r\nmessage 1\r\n');

    const archive = join(tmp.dir, 'queue.tsnap');
    await f.store.writeSnapshotFile(archive);
    const digest = await f.store.stateDigest();
    await f.close();
    await MailStore.restoreSnapshot(other.dir, archive);
    const restored = await MailStore.open({ dataDir: other.dir });
    try {
      assert.deepEqual(restored.listQueue(), before);
      assert.equal((await restored.readQueued('Q1')).toString(), 'Subject: 1\r\n\r\nmessage 1\r\n');
      assert.equal(await restored.stateDigest(), digest);
    } finally {
      await restored.close();
    }
  } finally {
    await tmp.remove();
    await other.remove();
  }
});
