// Goal: the change hub routes store changes only to views of the changed mailbox, and keeps the message cache true: an expunge drops the message's cached facts, a flag change (never cached) leaves them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { MessageRecord, StoreChange, StoreReader } from '@tandem/store';
import { MailboxChangeHub } from './mailbox-change-hub.js';
import { MessageCache } from './message-cache.js';
import { MessageSource } from './message-source.js';
import { SelectedMailbox } from './selected-mailbox.js';

const user = 'demo@example.test';
const root = '/data/mail/example.test/demo/';

function record(uid: number): MessageRecord {
  return { uid, modSeq: uid, flags: [], sizeBytes: 10, internalDateMs: 0, file: `cur/${uid}.tandem` };
}

function setUp() {
  const events = new EventEmitter<{ change: [StoreChange] }>();
  const reader = {
    events,
    messagePath: (_user: string, _mailbox: string, uid: number) => `${root}cur/${uid}.tandem`,
  } as unknown as StoreReader;
  const cache = new MessageCache(100, 1_000_000);
  const source = new MessageSource(cache);
  const hub = new MailboxChangeHub(reader, (path) => source.forget(path));
  hub.attach();
  const open = (mailbox: string): SelectedMailbox => {
    const view = new SelectedMailbox(reader, user, mailbox, false, 1, [1, 2, 3].map(record), () => new Set());
    hub.add(view);
    // FETCH works out each path before anything about the message is cached.
    for (const m of view.all()) cache.update(view.pathOf(m)!, { envelope: `envelope of ${mailbox} ${m.uid}` });
    return view;
  };
  const emit = (c: Partial<StoreChange> & { type: StoreChange['type'] }): void => {
    events.emit('change', { user, mailbox: 'INBOX', index: 1, modSeq: 9, flags: [], uid: 0, ...c } as StoreChange);
  };
  return { cache, source, hub, open, emit };
}

test('an expunge drops the cached facts of that message only', () => {
  const { cache, source, hub, open, emit } = setUp();
  const inbox = open('INBOX');
  assert.equal(cache.size, 3);
  emit({ type: 'message.expunged', uid: 2 });
  assert.equal(source.facts(`${root}cur/2.tandem`), undefined);
  assert.equal(source.facts(`${root}cur/1.tandem`)?.envelope, 'envelope of INBOX 1');
  assert.equal(source.facts(`${root}cur/3.tandem`)?.envelope, 'envelope of INBOX 3');
  assert.equal(inbox.byUidOrUndefined(2)?.expunged, true, 'the view still holds it until it may announce');
  hub.detach();
});

test('a flag change reaches the view and leaves the cached facts alone', () => {
  const { source, hub, open, emit } = setUp();
  const inbox = open('INBOX');
  emit({ type: 'flags.changed', uid: 1, flags: ['\\Seen'], modSeq: 12 });
  assert.deepEqual(inbox.byUidOrUndefined(1)?.flags, ['\\Seen']);
  assert.equal(inbox.byUidOrUndefined(1)?.modSeq, 12);
  assert.equal(source.facts(`${root}cur/1.tandem`)?.envelope, 'envelope of INBOX 1');
  hub.detach();
});

test('changes go to the views of their mailbox only, also when the mailbox alternates', () => {
  const { hub, open, emit } = setUp();
  const inbox = open('INBOX');
  const sent = open('Sent');
  emit({ type: 'flags.changed', uid: 1, flags: ['\\Seen'], modSeq: 12 });
  emit({ type: 'flags.changed', mailbox: 'Sent', uid: 1, flags: ['\\Flagged'], modSeq: 13 });
  emit({ type: 'flags.changed', uid: 2, flags: ['\\Draft'], modSeq: 14 });
  assert.deepEqual([1, 2].map((uid) => inbox.byUidOrUndefined(uid)?.flags), [['\\Seen'], ['\\Draft']]);
  assert.deepEqual([1, 2].map((uid) => sent.byUidOrUndefined(uid)?.flags), [['\\Flagged'], []]);
  // A view removed between changes to the same mailbox gets nothing more.
  hub.remove(inbox);
  emit({ type: 'flags.changed', uid: 3, flags: ['\\Seen'], modSeq: 15 });
  assert.deepEqual(inbox.byUidOrUndefined(3)?.flags, []);
  hub.add(inbox);
  emit({ type: 'flags.changed', uid: 3, flags: ['\\Answered'], modSeq: 16 });
  assert.deepEqual(inbox.byUidOrUndefined(3)?.flags, ['\\Answered']);
  hub.detach();
});
