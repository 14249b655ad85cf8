// Goal: DESIGN §3's hot standby as the leader decides it — whom it waits for (ackIndex), when the other data node counts as down (degraded), and when it is back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Membership } from '@tandem/raft';
import { StandbyTracker, type StandbySample } from './standby-tracker.js';

const abw: Membership = { voters: ['a', 'b', 'w'], witnesses: ['w'], learners: [] };
const downMs = 500;

function leaderSample(commit: number, matchB: number, extra: Partial<StandbySample> = {}): StandbySample {
  return { role: 'leader', term: 2, membership: abw, commit, lastIndex: commit, match: { a: commit, b: matchB, w: commit }, ...extra };
}

function tracker(hotStandby?: boolean): StandbyTracker {
  return new StandbyTracker({ selfId: 'a', hotStandby, dataPeerDownMs: downMs });
}

test('two data voters + witness: the leader waits for the other data voter (ackIndex = its matchIndex)', () => {
  const t = tracker();
  t.heard('b', 0);
  t.update(leaderSample(10, 7), 10);
  assert.equal(t.degraded, false);
  assert.equal(t.ackIndex, 7);
  assert.deepEqual(t.status(), [{ id: 'b', state: 'sync', matchIndex: 7, lagEntries: 3, lastHeardAgoMs: 10 }]);
});

test('a data peer not heard from for dataPeerDownMs is unreachable: degraded, and the leader waits for nobody', () => {
  const t = tracker();
  t.heard('b', 0);
  t.update(leaderSample(10, 10), 0);
  t.update(leaderSample(12, 10), downMs); // exactly the limit: still counts as heard
  assert.equal(t.degraded, false);
  t.update(leaderSample(12, 10), downMs + 1);
  assert.equal(t.degraded, true);
  assert.equal(t.ackIndex, Number.POSITIVE_INFINITY);
  assert.deepEqual(t.downPeers(), ['b']);
  assert.equal(t.status()[0]!.state, 'unreachable');
});

test('a data peer that answers but does not reach a commit index within dataPeerDownMs is lagging (degraded)', () => {
  const t = tracker();
  for (let now = 0; now <= 700; now += 50) {
    t.heard('b', now); // heartbeats answered all along
    t.update(leaderSample(20, 5), now); // but stuck at 5
  }
  assert.equal(t.degraded, true);
  assert.equal(t.status()[0]!.state, 'lagging');
  assert.equal(t.ackIndex, Number.POSITIVE_INFINITY);
});

test('keeping up with a moving commit is in sync, even when never fully caught up at a sample', () => {
  const t = tracker();
  for (let now = 0, commit = 10; now <= 3000; now += 50, commit += 10) {
    t.heard('b', now);
    t.update(leaderSample(commit, commit - 15), now); // always 1.5 samples behind, never stuck
  }
  assert.equal(t.degraded, false);
});

test('back from down: heard again and caught up to the commit index → in sync, waited for again', () => {
  const t = tracker();
  t.heard('b', 0);
  t.update(leaderSample(10, 10), 0);
  t.update(leaderSample(50, 10), 2000);
  assert.equal(t.degraded, true);
  t.heard('b', 2100); // restarted: answers, but far behind — still degraded while it catches up
  t.update(leaderSample(60, 12), 2100);
  assert.equal(t.degraded, true);
  assert.equal(t.status()[0]!.state, 'lagging');
  t.heard('b', 2400);
  t.update(leaderSample(70, 70), 2400);
  assert.equal(t.degraded, false);
  assert.equal(t.ackIndex, 70);
});

test('a new leader starts a peer it heard from recently (its vote) as sync, one it has not as unreachable', () => {
  const heard = tracker();
  heard.heard('b', 1000);
  heard.update(leaderSample(3, 0), 1100);
  assert.deepEqual([heard.degraded, heard.ackIndex], [false, 0], 'waits for b\'s first acknowledgement');
  const silent = tracker();
  silent.heard('b', 0);
  silent.update(leaderSample(3, 0), 1100);
  assert.deepEqual([silent.degraded, silent.ackIndex], [true, Number.POSITIVE_INFINITY]);
});

test('only the leader decides; a new term starts afresh; hotStandby false, or three data voters by default, waits for nobody', () => {
  const t = tracker();
  t.heard('b', 0);
  t.update(leaderSample(10, 4), 0);
  t.update({ ...leaderSample(10, 4), role: 'follower' }, 10);
  assert.deepEqual([t.degraded, t.ackIndex, t.status()], [false, Number.POSITIVE_INFINITY, []]);
  const off = tracker(false);
  off.heard('b', 0);
  off.update(leaderSample(10, 4), 0);
  assert.deepEqual([off.degraded, off.ackIndex], [false, Number.POSITIVE_INFINITY]);
  const three: Membership = { voters: ['a', 'b', 'c'], witnesses: [], learners: [] };
  const auto = tracker();
  auto.heard('b', 0);
  auto.update(leaderSample(10, 4, { membership: three }), 0);
  assert.equal(auto.ackIndex, Number.POSITIVE_INFINITY);
  const forced = tracker(true);
  forced.heard('b', 0);
  forced.heard('c', 0);
  forced.update(leaderSample(10, 4, { membership: three, match: { a: 10, b: 4, c: 6 } }), 0);
  assert.equal(forced.ackIndex, 4, 'hotStandby true: every other data voter');
});

test('a stall of the leader\'s own process is not the peer\'s silence (its replies wait in the socket)', () => {
  const t = tracker();
  t.heard('b', 0);
  t.update(leaderSample(10, 10), 0);
  t.stalled(2000); // e.g. SIGSTOP for 2 s: the first timer after it sees a 2 s gap
  t.update(leaderSample(10, 10), 2010);
  assert.equal(t.degraded, false);
  t.update(leaderSample(10, 10), 2000 + downMs + 1);
  assert.equal(t.degraded, true, 'still found down once it stays silent while we run');
});
