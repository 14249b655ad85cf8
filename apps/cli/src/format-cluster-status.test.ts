// Goal: `tandem cluster status` names the leader, the VIP holder and the health, and for a link that is down says why when the member knows (a wrong secret, a link protection mismatch).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatClusterStatus } from './format-cluster-status.js';
import type { ClusterStatusView } from './format-cluster-status.js';

const base: ClusterStatusView = {
  nodeId: 'a', leader: 'a', term: 3, vipHolders: ['a'], degraded: false,
  members: [
    { id: 'a', role: 'data', reachable: true, raftRole: 'leader', term: 3, commitIndex: 10, appliedIndex: 10, vipHeld: true,
      peers: { b: { matchIndex: 8, lagEntries: 2 }, w: { matchIndex: 10, lagEntries: 0 } },
      links: { b: { up: true, address: '10.0.0.2:7001' }, w: { up: true, address: '10.0.0.3:7001' } } },
    { id: 'b', role: 'data', reachable: true, raftRole: 'follower', term: 3, commitIndex: 10, appliedIndex: 8,
      links: { a: { up: true, address: '10.0.0.1:7001' }, w: { up: false, address: '10.0.0.3:7001' } } },
    { id: 'w', role: 'witness', reachable: true, raftRole: 'follower', term: 3, commitIndex: 10, appliedIndex: 0,
      links: { a: { up: true, address: '10.0.0.1:7001' },
        b: { up: false, address: '10.0.0.2:7001', error: 'link protection mismatch: this member only authenticates, member b encrypts' } } },
  ],
};

test('the summary names leader, term, VIP holder and health; each member has its row with its lag', () => {
  const text = formatClusterStatus(base);
  assert.match(text, /^cluster: leader a \(term 3\), VIP held by a, healthy\n/);
  const row = text.split('\n').find((l) => l.startsWith('b '))!;
  assert.match(row, /follower +3 +10 +8 +2 /);
});

test('a link that is down says why, when the member knows', () => {
  const lines = formatClusterStatus(base).split('\n');
  assert.match(lines.find((l) => l.startsWith('w '))!, /link to b down: link protection mismatch: this member only authenticates, member b encrypts/);
  assert.match(lines.find((l) => l.startsWith('b '))!, /link to w down$/);
});
