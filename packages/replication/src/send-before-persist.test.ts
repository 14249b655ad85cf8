// Goal: the conditions of the leader's early-send exception (thesis §10.2.1), one by one — anything else persists first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newMessage, type Message, type MessageType, type Ready } from '@tandem/raft';
import { maySendBeforePersist } from './send-before-persist.js';

const durable = { term: 3, vote: 'a', commit: 10 };
const entry = { term: 3, index: 11, type: 'normal' as const, data: new Uint8Array([1]) };

function ready(types: MessageType[], extra: Partial<Ready> = {}): Ready {
  const messages: Message[] = types.map((t) => newMessage(t, 'a', 'b', 3));
  return { entries: [entry], committedEntries: [], messages, mustSync: true, ...extra };
}

test('a leader\'s appends, heartbeats and TimeoutNow may leave before its entries are persisted', () => {
  assert.equal(maySendBeforePersist(ready(['appendEntries', 'heartbeat', 'timeoutNow']), 'leader', durable), true);
  assert.equal(maySendBeforePersist(ready(['appendEntries'], { hardState: { ...durable, commit: 11 } }), 'leader', durable), true, 'a commit-only change needs no write first');
});

test('(a) only a leader: followers and candidates persist before they answer (Figure 2)', () => {
  assert.equal(maySendBeforePersist(ready(['appendEntriesResponse']), 'follower', durable), false);
  assert.equal(maySendBeforePersist(ready(['appendEntries']), 'leader', durable) && maySendBeforePersist(ready(['appendEntries'], {
    softState: { lead: null, role: 'follower', membership: { voters: [], witnesses: [], learners: [] } },
  }), 'leader', durable), false, 'a Ready that steps down is no longer a leader\'s');
});

test('(b) a new term or vote, or a snapshot, is durable before anything leaves', () => {
  assert.equal(maySendBeforePersist(ready(['appendEntries'], { hardState: { term: 4, vote: 'a', commit: 10 } }), 'leader', durable), false);
  assert.equal(maySendBeforePersist(ready(['appendEntries'], { hardState: { term: 3, vote: null, commit: 10 } }), 'leader', durable), false);
  const snapshot = { metadata: { index: 5, term: 2, membership: { voters: ['a'], witnesses: [], learners: [] } }, data: new Uint8Array() };
  assert.equal(maySendBeforePersist(ready(['appendEntries'], { snapshot }), 'leader', durable), false);
});

test('(c) a vote or an acknowledgement in the batch makes the whole Ready wait for its fsync', () => {
  for (const t of ['requestVote', 'requestVoteResponse', 'requestPreVoteResponse', 'appendEntriesResponse', 'heartbeatResponse', 'installSnapshot'] as const) {
    assert.equal(maySendBeforePersist(ready(['appendEntries', t]), 'leader', durable), false, t);
  }
  assert.equal(maySendBeforePersist(ready([]), 'leader', durable), false, 'nothing to send');
});
