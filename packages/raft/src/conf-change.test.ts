// Goal: single-server changes keep the membership invariants (thesis §4.1) and round-trip through
// their log encoding; the founding configuration is valid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyConfChange, decodeConfChange, encodeConfChange } from './conf-change.js';
import { bootstrapEntries } from './bootstrap.js';
import { InvalidConfChangeError } from './raft-errors.js';

const ddw = { voters: ['a', 'b', 'w'], witnesses: ['w'], learners: [] as string[] };

test('changes move one member at a time and keep witnesses ⊆ voters', () => {
  const withLearner = applyConfChange(ddw, { type: 'addLearner', nodeId: 'c' });
  assert.deepEqual(withLearner.learners, ['c']);
  const promoted = applyConfChange(withLearner, { type: 'addVoter', nodeId: 'c' });
  assert.deepEqual([promoted.voters, promoted.learners], [['a', 'b', 'w', 'c'], []]);
  const noWitness = applyConfChange(ddw, { type: 'removeNode', nodeId: 'w' });
  assert.deepEqual([noWitness.voters, noWitness.witnesses], [['a', 'b'], []]);
});

test('invalid changes are refused with InvalidConfChangeError', () => {
  const bad = [
    { type: 'addVoter' as const, nodeId: 'a' },
    { type: 'addWitness' as const, nodeId: 'b' },
    { type: 'addLearner' as const, nodeId: 'w' },
    { type: 'removeNode' as const, nodeId: 'zz' },
  ];
  for (const c of bad) assert.throws(() => applyConfChange(ddw, c), InvalidConfChangeError, JSON.stringify(c));
  const oneData = { voters: ['a', 'w'], witnesses: ['w'], learners: [] };
  assert.throws(() => applyConfChange(oneData, { type: 'removeNode', nodeId: 'a' }), InvalidConfChangeError, 'no data voter left');
});

test('encoding round-trips, context included; garbage is refused', () => {
  const c = { type: 'addVoter' as const, nodeId: 'n4', context: '10.0.0.4:7000' };
  assert.deepEqual(decodeConfChange(encodeConfChange(c)), c);
  assert.throws(() => decodeConfChange(new TextEncoder().encode('{"type":"nope","nodeId":"x"}')), InvalidConfChangeError);
});

test('bootstrapEntries lists data voters, then witnesses, then learners, as term-0 entries', () => {
  const ents = bootstrapEntries({ voters: ['w', 'a'], witnesses: ['w'], learners: ['l'] });
  assert.deepEqual(ents.map((e) => [e.index, e.term, decodeConfChange(e.data).type, decodeConfChange(e.data).nodeId]),
    [[1, 0, 'addVoter', 'a'], [2, 0, 'addWitness', 'w'], [3, 0, 'addLearner', 'l']]);
  assert.throws(() => bootstrapEntries({ voters: ['w'], witnesses: ['w'], learners: [] }), InvalidConfChangeError);
});
