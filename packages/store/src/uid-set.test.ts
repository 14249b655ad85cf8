// Goal: compact UID sets ("1:3,7") round-trip exactly, count without expanding, and anything not made by compactUidSet is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compactUidSet, expandUidSet, uidSetRanges, uidSetSize } from './uid-set.js';
import { seededRandom, testSeed } from './store-test-fixture.js';

test('compact, count and expand round-trip', (t) => {
  assert.equal(compactUidSet([1, 2, 3, 7, 9, 10]), '1:3,7,9:10');
  assert.equal(compactUidSet([]), '');
  assert.deepEqual(uidSetRanges('1:3,7'), [[1, 3], [7, 7]]);
  assert.equal(uidSetSize('5:4294967295'), 4294967291);
  const seed = testSeed();
  t.diagnostic(`seed ${seed}`);
  const rnd = seededRandom(seed);
  for (let round = 0; round < 100; round++) {
    const uids = [...new Set(Array.from({ length: Math.floor(rnd() * 40) }, () => 1 + Math.floor(rnd() * 60)))].sort((a, b) => a - b);
    const set = compactUidSet(uids);
    assert.deepEqual(expandUidSet(set), uids, `seed ${seed}`);
    assert.equal(uidSetSize(set), uids.length, `seed ${seed}`);
  }
});

test('malformed sets are refused', () => {
  for (const bad of ['0', '3:1', '1:2:3', 'a', '1,,2', '-1', '1.5', '*']) assert.throws(() => uidSetRanges(bad), /bad UID set/, bad);
});
