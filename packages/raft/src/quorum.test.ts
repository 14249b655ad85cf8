// Goal: majority arithmetic for commitment and elections (Raft §5.2, §5.3), even and odd sizes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { majorityValue, voteResult } from './quorum.js';

test('majorityValue is the highest value a majority has reached', () => {
  const match: Record<string, number> = { a: 5, b: 3, c: 9, d: 1 };
  assert.equal(majorityValue(['a', 'b', 'c'], (id) => match[id] ?? 0), 5);
  assert.equal(majorityValue(['a', 'b', 'c', 'd'], (id) => match[id] ?? 0), 3);
  assert.equal(majorityValue(['a'], (id) => match[id] ?? 0), 5);
  assert.equal(majorityValue([], () => 0), Infinity);
});

test('voteResult: won at a majority of grants, lost when a majority can no longer be reached', () => {
  const v = (entries: Array<[string, boolean]>) => new Map(entries);
  assert.equal(voteResult(['a', 'b', 'c'], v([['a', true], ['b', true]])), 'won');
  assert.equal(voteResult(['a', 'b', 'c'], v([['a', true], ['b', false]])), 'pending');
  assert.equal(voteResult(['a', 'b', 'c'], v([['a', true], ['b', false], ['c', false]])), 'lost');
  assert.equal(voteResult(['a', 'b', 'c', 'd'], v([['a', true], ['b', true]])), 'pending');
  assert.equal(voteResult(['a', 'b', 'c', 'd'], v([['a', true], ['x', true], ['b', true]])), 'pending', 'non-voters do not count');
});
