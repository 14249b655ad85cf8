// Goal: names written beside the store carry the UTC second, compact and sorting as it reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dataDirStamp } from './data-dir-stamp.js';

test('dataDirStamp: UTC to the second, no separators but T and Z', () => {
  assert.equal(dataDirStamp(Date.UTC(2026, 10, 30, 1, 15, 0, 250)), '20261130T011500Z');
  assert.ok(dataDirStamp(Date.UTC(2026, 10, 30, 1, 15, 1)) > dataDirStamp(Date.UTC(2026, 10, 30, 1, 15, 0, 999)));
});
