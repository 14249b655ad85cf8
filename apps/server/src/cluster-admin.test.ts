// Goal: `tandem cluster add` makes a learner a voter only once it holds the leader's snapshot and is within the lag bound — never while its snapshot is still on the way, however short the log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { limits } from '@tandem/config';
import { caughtUp } from './cluster-admin.js';

test('caught up: past the snapshot and within the lag bound; a learner that has nothing yet is not, even 49 entries behind', () => {
  const report = (matchIndex: number, lagEntries: number, snapshotIndex = 26) => ({ snapshotIndex, peers: { b: { matchIndex, lagEntries } } });
  assert.equal(caughtUp(report(0, 49), 'b'), false, 'the failure CI saw: nothing received, lag under the bound');
  assert.equal(caughtUp(report(20, 29), 'b'), false, 'still short of the snapshot');
  assert.equal(caughtUp(report(40, limits.clusterAddCaughtUpLagEntriesMax + 1), 'b'), false, 'past the snapshot, too far behind');
  assert.equal(caughtUp(report(40, limits.clusterAddCaughtUpLagEntriesMax), 'b'), true);
  assert.equal(caughtUp(report(5, 0, 0), 'b'), true, 'no snapshot taken: the log alone counts');
  assert.equal(caughtUp(report(40, 0), 'c'), false, 'a member the leader has no progress for');
});
