// Goal: flow control — probe sends one message at a time, replicate pipelines up to the inflight
// limit, snapshot pauses; stale acknowledgements and rejections change nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Progress } from './progress.js';
import { Inflights } from './inflights.js';

test('probe: paused after one send until an answer arrives', () => {
  const p = new Progress(5, 4, 0);
  assert.equal(p.isPaused(), false);
  p.sentEntries(2, 6);
  assert.equal(p.isPaused(), true);
  assert.equal(p.maybeUpdate(6), true);
  assert.equal(p.isPaused(), false);
});

test('replicate: optimistic next, paused at the inflight limit, freed by acknowledgements', () => {
  const p = new Progress(1, 2, 0);
  p.becomeReplicate();
  p.sentEntries(3, 3);
  p.sentEntries(2, 5);
  assert.deepEqual([p.next, p.isPaused()], [6, true]);
  p.maybeUpdate(3);
  p.inflights.freeLE(3);
  assert.equal(p.isPaused(), false);
});

test('maybeDecrTo ignores stale rejections and uses the conflict hint', () => {
  const p = new Progress(10, 4, 0);
  assert.equal(p.maybeDecrTo(5, 3), false, 'not the probe in flight');
  assert.equal(p.maybeDecrTo(9, 3), true);
  assert.equal(p.next, 4);
  const r = new Progress(1, 4, 0);
  r.match = 7;
  r.becomeReplicate();
  assert.equal(r.maybeDecrTo(6, 0), false, 'at or below match: stale');
  assert.equal(r.maybeDecrTo(9, 0), true);
  assert.equal(r.next, 8);
});

test('snapshot: paused; back to probe after the snapshot index', () => {
  const p = new Progress(3, 4, 0);
  p.becomeSnapshot(20);
  assert.equal(p.isPaused(), true);
  p.becomeProbe();
  assert.equal(p.next, 21);
});

test('Inflights is bounded and frees cumulatively or one at a time', () => {
  const f = new Inflights(3);
  f.add(2);
  f.add(4);
  f.add(9);
  assert.equal(f.full(), true);
  f.freeLE(4);
  assert.equal(f.count(), 1);
  f.freeFirstOne();
  assert.equal(f.count(), 0);
});
