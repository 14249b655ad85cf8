// Goal: the selected-mailbox view keeps sequence numbers fixed until it may announce, and announces expunges, new messages and flag changes exactly as RFC 3501 §7.4.1 / RFC 9051 §7.5.1 / RFC 7162 §3.2.10 allow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MessageRecord, StoreChange, StoreReader } from '@tandem/store';
import { ResponseWriter } from '../wire/value-encoder.js';
import { ImapBadError } from './imap-errors.js';
import { SelectedMailbox } from './selected-mailbox.js';

const user = 'demo@example.test';

function record(uid: number, flags: string[] = []): MessageRecord {
  return { uid, modSeq: uid, flags, sizeBytes: 10, internalDateMs: 0, file: `cur/${uid}` };
}

/** A store stand-in whose message list the test sets. */
function fakeReader(messages: { list: MessageRecord[] }): StoreReader {
  return { listMessages: () => messages.list } as unknown as StoreReader;
}

function view(uids: number[], claim = (): Set<number> => new Set()) {
  const messages = { list: uids.map((u) => record(u)) };
  return { messages, box: new SelectedMailbox(fakeReader(messages), user, 'INBOX', false, 7, messages.list, claim) };
}

const change = (c: Partial<StoreChange> & { type: StoreChange['type'] }): StoreChange =>
  ({ user, mailbox: 'INBOX', index: 1, modSeq: 9, flags: [], uid: 0, ...c }) as StoreChange;

function announce(box: SelectedMailbox, options: Partial<Parameters<SelectedMailbox['announce']>[1]> = {}): string {
  const out = new ResponseWriter();
  box.announce(out, { expunges: true, condstore: false, qresync: false, rev2: false, ...options });
  return out.toString();
}

test('sequence sets, UID sets and "$" resolve against the view', () => {
  const { box } = view([3, 5, 9]);
  const seqs = (set: Parameters<SelectedMailbox['resolve']>[0], saved: number[] | null = null) => box.resolve(set, saved).map((t) => [t.seq, t.message.uid]);
  assert.deepEqual(seqs({ kind: 'seq', ranges: [{ start: 2, end: '*' }] }), [[2, 5], [3, 9]]);
  assert.deepEqual(seqs({ kind: 'uid', ranges: [{ start: 4, end: 100 }] }), [[2, 5], [3, 9]]);
  assert.deepEqual(seqs({ kind: 'uid', ranges: [{ start: 20, end: '*' }] }), [[3, 9]]); // RFC 9051 §6.4.8: n:* with n > every UID
  assert.deepEqual(seqs({ kind: 'saved', numbering: 'seq' }, [9, 4, 3]), [[3, 9], [1, 3]]);
  assert.throws(() => box.resolve({ kind: 'seq', ranges: [{ start: 4, end: 4 }] }), ImapBadError);
});

test('an expunge keeps its sequence number until expunges may be announced, then numbers close up', () => {
  const { box } = view([1, 2, 3, 4]);
  box.applyChange(change({ type: 'message.expunged', uid: 2 }));
  box.applyChange(change({ type: 'message.expunged', uid: 4 }));
  assert.equal(announce(box, { expunges: false }), '');
  assert.equal(box.count, 4);
  assert.equal(box.seqOf(4), 4);
  assert.equal(announce(box), '* 2 EXPUNGE\r\n* 3 EXPUNGE\r\n');
  assert.deepEqual(box.all().map((m) => m.uid), [1, 3]);
});

test('with QRESYNC the expunges are one VANISHED (RFC 7162 §3.2.10)', () => {
  const { box } = view([1, 2, 3]);
  box.applyChange(change({ type: 'message.expunged', uid: 1 }));
  box.applyChange(change({ type: 'message.expunged', uid: 2 }));
  assert.equal(announce(box, { qresync: true }), '* VANISHED 1:2\r\n');
});

test('new messages come as EXISTS (counting unannounced expunges) and RECENT for IMAP4rev1 only', () => {
  const { box, messages } = view([1, 2], () => new Set([3]));
  box.applyChange(change({ type: 'message.expunged', uid: 1 }));
  messages.list = [record(2), record(3)];
  box.applyChange(change({ type: 'message.added', uid: 3 }));
  assert.equal(announce(box, { expunges: false }), '* 3 EXISTS\r\n* 1 RECENT\r\n');
  assert.equal(announce(box), '* 1 EXPUNGE\r\n');
  messages.list = [record(2), record(3), record(4)];
  box.applyChange(change({ type: 'message.added', uid: 4 }));
  assert.equal(announce(box, { rev2: true }), '* 3 EXISTS\r\n');
});

test('a message added and expunged before the client heard of it is never mentioned', () => {
  const { box, messages } = view([1]);
  box.applyChange(change({ type: 'message.added', uid: 2 }));
  box.applyChange(change({ type: 'message.expunged', uid: 2 }));
  messages.list = [record(1)];
  assert.equal(announce(box), '');
  assert.equal(box.count, 1);
});

test('flag changes become FETCH FLAGS (with UID and MODSEQ when enabled), unless already told', () => {
  const { box } = view([1, 2]);
  box.applyChange(change({ type: 'flags.changed', uid: 2, flags: ['\\Seen'], modSeq: 12 }));
  box.applyChange(change({ type: 'flags.changed', uid: 1, flags: ['\\Flagged'], modSeq: 13 }));
  box.flagsTold(1);
  assert.equal(announce(box, { condstore: true, qresync: true }), '* 2 FETCH (UID 2 FLAGS (\\Seen) MODSEQ (12))\r\n');
  assert.deepEqual(box.at(1)?.flags, ['\\Flagged']);
});

test('a deleted or renamed mailbox marks the view gone and wakes an idler', () => {
  const { box } = view([1]);
  let woken = 0;
  box.onChange = () => { woken++; };
  box.applyChange(change({ type: 'mailbox.deleted' }));
  assert.equal(box.gone, 'deleted');
  assert.equal(woken, 1);
});

test('UIDs are found by position whether the UIDs have gaps or not, and not at all once announced gone', () => {
  for (const uids of [[1, 2, 3, 4, 5], [2, 3, 7, 8, 20], [10, 11, 12, 40, 41]]) {
    const { box } = view(uids);
    for (const [i, uid] of uids.entries()) {
      assert.equal(box.seqOf(uid), i + 1, `seqOf(${uid}) in ${uids}`);
      assert.equal(box.byUidOrUndefined(uid)?.uid, uid);
    }
    for (const missing of [0, -1, uids[0]! - 1, uids.at(-1)! + 1, 6.5, 1000]) {
      if (uids.includes(missing)) continue;
      assert.equal(box.seqOf(missing), 0, `seqOf(${missing}) in ${uids}`);
      assert.equal(box.byUidOrUndefined(missing), undefined);
    }
    box.applyChange(change({ type: 'message.expunged', uid: uids[1]! }));
    assert.equal(box.seqOf(uids[2]!), 3, 'numbers stay put until announced');
    announce(box);
    assert.equal(box.byUidOrUndefined(uids[1]!), undefined);
    assert.equal(box.seqOf(uids[2]!), 2);
    assert.equal(box.selectedAll()[1]?.message.uid, uids[2], 'the shared sequence list follows the view');
  }
});
