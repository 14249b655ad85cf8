// Goal: review as replicated state — rules with their checks, a held message stored aside (no mailbox sees it,
// a retry stores nothing twice), approval delivering to the local recipients and queueing the remote ones in
// one transaction, rejection removing it, and held messages surviving a reopen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from './command.js';
import type { DeliverValue } from './apply-result.js';
import { StoreFeeder, fixedPasswordHash, makeTempDir, type DistributiveOmit } from './store-test-fixture.js';
import { checkStoreFiles } from './check-store-files.js';

async function withStore(fn: (f: StoreFeeder, user: string, dataDir: string) => Promise<void>): Promise<void> {
  const tmp = await makeTempDir('review');
  const f = await StoreFeeder.open(tmp.dir);
  try {
    const user = await f.withDemoUser();
    await f.ok({ type: 'user.add', address: 'boss@example.test', passwordHash: fixedPasswordHash });
    await fn(f, user, tmp.dir);
  } finally {
    await f.close();
    await tmp.remove();
  }
}

function hold(n: number, users: string[], remote: string[] = []): DistributiveOmit<Command, 'timestampMs'> {
  return {
    type: 'message.hold', dedupeKey: `hold-${n}`, queueId: `H${n}`, rule: 'watch',
    envelope: { mailFrom: 'someone@elsewhere.test', rcptTo: [...users, ...remote] },
    recipients: users.map((user) => ({ user, mailbox: 'INBOX' })), remote, message: Buffer.from(`Subject: held ${n}\r\n\r\nbody ${n}\r\n`),
  };
}

const heldFiles = async (dataDir: string): Promise<string[]> => {
  try { return await readdir(join(dataDir, 'mail', '.review', 'new')); } catch { return []; }
};

test('rules: added with canonical conditions and local reviewers; bad names, directions, reviewers and a rule for all mail refused', () => withStore(async (f) => {
  await f.ok({ type: 'review.rule.add', name: 'watch', from: '@Elsewhere.TEST', direction: 'inbound', reviewers: ['Boss@example.test'] });
  assert.deepEqual(f.store.listReviewRules().map((r) => [r.name, r.from, r.to, r.direction, r.reviewers]), [['watch', '@elsewhere.test', undefined, 'inbound', ['boss@example.test']]]);
  const refusals = [];
  for (const rule of [
    { name: 'watch', to: 'x@y.test', direction: 'any' as const, reviewers: [] },
    { name: 'Bad Name', to: 'x@y.test', direction: 'any' as const, reviewers: [] },
    { name: 'sideways', to: 'x@y.test', direction: 'sideways' as never, reviewers: [] },
    { name: 'everything', direction: 'any' as const, reviewers: [] },
    { name: 'ghost', to: 'x@y.test', direction: 'any' as const, reviewers: ['ghost@example.test'] },
  ]) refusals.push(await f.apply({ type: 'review.rule.add', ...rule }));
  assert.deepEqual(refusals.map((r) => !r.ok && r.error), ['EXISTS', 'INVALID', 'INVALID', 'INVALID', 'NOTFOUND']);
  await f.ok({ type: 'review.rule.remove', name: 'watch' });
  assert.deepEqual(f.store.listReviewRules(), []);
  const gone = await f.apply({ type: 'review.rule.remove', name: 'watch' });
  assert.deepEqual([gone.ok, !gone.ok && gone.error], [false, 'NOTFOUND']);
}));

test('held: stored aside, in no mailbox; a retry of the transaction is a duplicate that stores nothing', () => withStore(async (f, user, dataDir) => {
  const v = await f.ok<DeliverValue>(hold(1, [user]));
  assert.deepEqual([v.held, v.deliveries], ['watch', []]);
  assert.equal(f.store.listMessages(user, 'INBOX').length, 0);
  const [held] = f.store.listHeld();
  assert.deepEqual([held!.queueId, held!.rule, held!.mailFrom, held!.users], ['H1', 'watch', 'someone@elsewhere.test', [user]]);
  assert.equal((await f.store.readHeld('H1')).toString(), 'Subject: held 1\r\n\r\nbody 1\r\n');
  assert.equal((await f.ok<DeliverValue>(hold(1, [user]))).duplicate, true);
  assert.equal(f.store.listHeld().length, 1);
  assert.equal((await heldFiles(dataDir)).length, 1);
  assert.deepEqual(await checkStoreFiles(f.store), { filesWithoutRow: [], rowsWithoutFile: [] });
}));

test('approve: delivered to the local recipients (the same bytes) and queued for the remote ones, in one step; the held copy ends', () => withStore(async (f, user, dataDir) => {
  await f.ok(hold(1, [user, 'boss@example.test'], ['friend@remote.test']));
  const v = await f.ok<DeliverValue>({ type: 'review.approve', queueId: 'H1', reviewer: 'boss@example.test' });
  assert.deepEqual(v.deliveries.map((d) => [d.user, d.mailbox, d.uid]), [[user, 'INBOX', 1], ['boss@example.test', 'INBOX', 1]]);
  assert.deepEqual(v.queued, ['friend@remote.test']);
  assert.equal((await f.store.readMessage(user, 'INBOX', 1)).toString(), 'Subject: held 1\r\n\r\nbody 1\r\n');
  assert.equal((await f.store.readQueued('H1')).toString(), 'Subject: held 1\r\n\r\nbody 1\r\n');
  assert.deepEqual(f.store.listQueue().map((e) => [e.queueId, e.mailFrom, e.recipients.map((r) => r.address)]), [['H1', 'someone@elsewhere.test', ['friend@remote.test']]]);
  assert.deepEqual(f.store.listHeld(), []);
  assert.deepEqual(await heldFiles(dataDir), []);
  const again = await f.apply({ type: 'review.approve', queueId: 'H1', reviewer: 'boss@example.test' });
  assert.deepEqual([again.ok, !again.ok && again.error], [false, 'NOTFOUND']);
  assert.equal(f.store.listMessages(user, 'INBOX').length, 1, 'approved once, delivered once');
  assert.deepEqual(await checkStoreFiles(f.store), { filesWithoutRow: [], rowsWithoutFile: [] });
}));

test('approve skips a recipient removed while the message was held; reject removes it and delivers nothing', () => withStore(async (f, user, dataDir) => {
  await f.ok(hold(1, [user, 'boss@example.test']));
  await f.ok({ type: 'user.remove', address: 'boss@example.test' });
  const v = await f.ok<DeliverValue>({ type: 'review.approve', queueId: 'H1', reviewer: 'x' });
  assert.deepEqual(v.deliveries.map((d) => d.user), [user]);

  await f.ok(hold(2, [user]));
  await f.ok({ type: 'review.reject', queueId: 'H2', reviewer: 'x', reason: 'not for us' });
  assert.deepEqual(f.store.listHeld(), []);
  assert.deepEqual(await heldFiles(dataDir), []);
  assert.equal(f.store.listMessages(user, 'INBOX').length, 1);
  assert.deepEqual(await checkStoreFiles(f.store), { filesWithoutRow: [], rowsWithoutFile: [] });
}));

test('held messages and rules are kept across a reopen', async () => {
  const tmp = await makeTempDir('review-reopen');
  try {
    let f = await StoreFeeder.open(tmp.dir);
    const user = await f.withDemoUser();
    await f.ok({ type: 'review.rule.add', name: 'watch', to: user, direction: 'any', reviewers: [user] });
    await f.ok(hold(1, [user]));
    const before = [f.store.listReviewRules(), f.store.listHeld()];
    await f.close();
    f = await StoreFeeder.open(tmp.dir);
    assert.deepEqual([f.store.listReviewRules(), f.store.listHeld()], before);
    assert.equal((await f.store.readHeld('H1')).toString(), 'Subject: held 1\r\n\r\nbody 1\r\n');
    await f.close();
  } finally {
    await tmp.remove();
  }
});
