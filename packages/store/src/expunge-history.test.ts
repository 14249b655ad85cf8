// Goal: every expunge (EXPUNGE, UID EXPUNGE, MOVE, INBOX rename) bumps HIGHESTMODSEQ and is remembered with that MODSEQ for QRESYNC VANISHED (RFC 7162 §3.2), bounded with a floor; plus hasChildren for LIST.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExpungeValue } from './apply-result.js';
import { StoreFeeder, deliverCommand, makeTempDir } from './store-test-fixture.js';

async function withStore(fn: (f: StoreFeeder, user: string) => Promise<void>, expungeHistoryUidsMax?: number): Promise<void> {
  const tmp = await makeTempDir('xhist');
  const f = await StoreFeeder.open(tmp.dir, expungeHistoryUidsMax === undefined ? {} : { expungeHistoryUidsMax });
  try {
    await fn(f, await f.withDemoUser());
  } finally {
    await f.close();
    await tmp.remove();
  }
}

let delivered = 0;
async function deliver(f: StoreFeeder, user: string, count: number, mailbox = 'INBOX'): Promise<void> {
  for (let n = 0; n < count; n++) await f.ok(deliverCommand(++delivered, user, mailbox));
}

/** Marks the UIDs \Deleted and expunges them; returns the expunge's MODSEQ. */
async function expunge(f: StoreFeeder, user: string, uids: number[], mailbox = 'INBOX'): Promise<number> {
  await f.ok({ type: 'message.store', user, mailbox, uids, operation: 'add', flags: ['\\Deleted'] });
  const v = await f.ok<ExpungeValue>({ type: 'message.expunge', user, mailbox, uids });
  assert.deepEqual(v.expungedUids, [...uids].sort((a, b) => a - b));
  return v.highestModSeq;
}

test('EXPUNGE bumps HIGHESTMODSEQ and its UIDs are reported as expunged after any earlier MODSEQ', () => withStore(async (f, user) => {
  await deliver(f, user, 5);
  const before = f.store.getMailbox(user, 'INBOX')!.highestModSeq;
  const first = await expunge(f, user, [4, 2]);
  assert.equal(f.store.getMailbox(user, 'INBOX')!.highestModSeq, first);
  assert.equal(first, before + 2, 'one MODSEQ for the STORE, one for the EXPUNGE');
  const second = await expunge(f, user, [5]);
  assert.equal(second, first + 2);
  assert.deepEqual(f.store.expungedSince(user, 'INBOX', 0), [2, 4, 5]);
  assert.deepEqual(f.store.expungedSince(user, 'inbox', first - 1), [2, 4, 5]);
  assert.deepEqual(f.store.expungedSince(user, 'INBOX', first), [5]);
  assert.deepEqual(f.store.expungedSince(user, 'INBOX', second), []);
  assert.equal(f.store.expungeHistoryFloorModSeq(user, 'INBOX'), 0);
  assert.deepEqual(f.store.expungedSince(user, 'Nope', 0), []);
  assert.equal(f.store.expungeHistoryFloorModSeq(user, 'Nope'), undefined);
  // An EXPUNGE that removes nothing changes neither HIGHESTMODSEQ nor the history.
  await f.ok({ type: 'message.expunge', user, mailbox: 'INBOX' });
  assert.equal(f.store.getMailbox(user, 'INBOX')!.highestModSeq, second);
}));

test('MOVE records the source UIDs; renaming INBOX records all of INBOX as expunged', () => withStore(async (f, user) => {
  await deliver(f, user, 4);
  await f.ok({ type: 'message.copy', user, mailbox: 'INBOX', uids: [1, 3], target: 'Archive', move: true });
  const moved = f.store.getMailbox(user, 'INBOX')!.highestModSeq;
  assert.deepEqual(f.store.expungedSince(user, 'INBOX', moved - 1), [1, 3]);
  assert.deepEqual(f.store.expungedSince(user, 'Archive', 0), []);
  await f.ok({ type: 'mailbox.rename', user, mailbox: 'INBOX', newName: 'Old' });
  const inbox = f.store.getMailbox(user, 'INBOX')!;
  assert.equal(inbox.highestModSeq, moved + 1);
  assert.deepEqual(f.store.expungedSince(user, 'INBOX', moved), [2, 4]);
  assert.deepEqual(f.store.expungedSince(user, 'INBOX', 0), [1, 2, 3, 4]);
  assert.deepEqual(f.store.expungedSince(user, 'Old', 0), []);
}));

test('the history is bounded: oldest records go first and the floor rises to the newest dropped MODSEQ', () => withStore(async (f, user) => {
  await deliver(f, user, 12);
  const m1 = await expunge(f, user, [1, 2, 3]);
  const m2 = await expunge(f, user, [4, 5]);
  assert.equal(f.store.expungeHistoryFloorModSeq(user, 'INBOX'), 0);
  const m3 = await expunge(f, user, [6, 7]); // 7 UIDs > 5: the record of m1 is dropped
  assert.equal(f.store.expungeHistoryFloorModSeq(user, 'INBOX'), m1);
  assert.deepEqual(f.store.expungedSince(user, 'INBOX', m1), [4, 5, 6, 7]);
  assert.deepEqual(f.store.expungedSince(user, 'INBOX', m2), [6, 7]);
  // One expunge larger than the bound on its own: nothing at or below it is known any more.
  const m4 = await expunge(f, user, [8, 9, 10, 11, 12]);
  const floor = f.store.expungeHistoryFloorModSeq(user, 'INBOX')!;
  assert.ok(m4 > m3);
  assert.equal(floor, m3, 'records up to m3 dropped; m4 (5 UIDs) itself fits');
  assert.deepEqual(f.store.expungedSince(user, 'INBOX', floor), [8, 9, 10, 11, 12]);
  await deliver(f, user, 6);
  const m5 = await expunge(f, user, [13, 14, 15, 16, 17, 18]);
  assert.equal(f.store.expungeHistoryFloorModSeq(user, 'INBOX'), m5);
  assert.deepEqual(f.store.expungedSince(user, 'INBOX', m5), []);
  const rows = (await f.store.dumpIndex()).filter(([k]) => k.startsWith('expunged\u0000'));
  assert.deepEqual(rows, []);
}, 5));

test('the history survives a reopen, follows a rename and goes with a deleted mailbox', async () => {
  const tmp = await makeTempDir('xhist-reopen');
  try {
    let f = await StoreFeeder.open(tmp.dir, { expungeHistoryUidsMax: 3 });
    const user = await f.withDemoUser();
    await f.ok({ type: 'mailbox.create', user, mailbox: 'Work' });
    await deliver(f, user, 5, 'Work');
    const m1 = await expunge(f, user, [1, 2], 'Work');
    await expunge(f, user, [3, 4], 'Work');
    await f.close();
    f = await StoreFeeder.open(tmp.dir, { expungeHistoryUidsMax: 3 });
    assert.equal(f.store.expungeHistoryFloorModSeq(user, 'Work'), m1);
    assert.deepEqual(f.store.expungedSince(user, 'Work', 0), [3, 4]);
    await f.ok({ type: 'mailbox.rename', user, mailbox: 'Work', newName: 'Done' });
    assert.deepEqual(f.store.expungedSince(user, 'Done', 0), [3, 4]);
    assert.equal(f.store.expungeHistoryFloorModSeq(user, 'Done'), m1);
    await f.ok({ type: 'mailbox.delete', user, mailbox: 'Done' });
    const left = (await f.store.dumpIndex()).filter(([k]) => k.startsWith('expunged') || k.startsWith('expungefloor'));
    assert.deepEqual(left, []);
    await f.ok({ type: 'mailbox.create', user, mailbox: 'Done' });
    assert.equal(f.store.expungeHistoryFloorModSeq(user, 'Done'), 0);
    await f.close();
  } finally {
    await tmp.remove();
  }
});

test('hasChildren sees inferiors of existing and of deleted parents (\\NonExistent \\HasChildren)', () => withStore(async (f, user) => {
  await f.ok({ type: 'mailbox.create', user, mailbox: 'Projects/Alpha/Notes' });
  await f.ok({ type: 'mailbox.create', user, mailbox: 'Projects2' });
  assert.deepEqual(['Projects', 'Projects/Alpha', 'Projects/Alpha/Notes', 'Projects2', 'Proj'].map((n) => f.store.hasChildren(user, n)),
    [true, true, false, false, false]);
  await f.ok({ type: 'mailbox.delete', user, mailbox: 'Projects' });
  assert.equal(f.store.getMailbox(user, 'Projects'), undefined);
  assert.equal(f.store.hasChildren(user, 'Projects'), true);
  await f.ok({ type: 'mailbox.create', user, mailbox: 'inbox/Lists' });
  assert.equal(f.store.hasChildren(user, 'INBOX'), true);
  assert.equal(f.store.hasChildren(user, 'Inbox'), true);
  assert.equal(f.store.hasChildren('nobody@example.test', 'INBOX'), false);
  assert.equal(f.store.hasChildren(user, '../x'), false);
}));
