// Goal: VANISHED (EARLIER) uses the store's expunge history when it reaches the client's MODSEQ, and falls back to "every missing UID of the set" when it does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StoreReader } from '@tandem/store';
import { vanishedRanges } from './vanished-uids.js';

function reader(floor: number | undefined, history: Array<[number, number]>): StoreReader {
  return {
    expungeHistoryFloorModSeq: () => floor,
    expungedSince: (_u: string, _m: string, modSeq: number) => history.filter(([, ms]) => ms > modSeq).map(([uid]) => uid).sort((a, b) => a - b),
  } as unknown as StoreReader;
}

const history: Array<[number, number]> = [[2, 5], [3, 5], [4, 9], [8, 12], [20, 12]];

test('only UIDs expunged after the client MODSEQ, and only within its set', () => {
  assert.deepEqual(vanishedRanges(reader(0, history), 'u', 'INBOX', 6, [[1, 10]], [1, 5]), [[4, 4], [8, 8]]);
  assert.deepEqual(vanishedRanges(reader(0, history), 'u', 'INBOX', 1, [[1, 30]], []), [[2, 4], [8, 8], [20, 20]]);
  assert.deepEqual(vanishedRanges(reader(0, history), 'u', 'INBOX', 12, [[1, 30]], []), []);
});

test('below the history floor every missing UID of the set is reported', () => {
  assert.deepEqual(vanishedRanges(reader(7, history), 'u', 'INBOX', 6, [[1, 6]], [1, 5]), [[2, 4], [6, 6]]);
  assert.deepEqual(vanishedRanges(reader(undefined, history), 'u', 'INBOX', 6, [[1, 3]], [2]), [[1, 1], [3, 3]]);
});
