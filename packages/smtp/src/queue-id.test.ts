// Goal: queue ids are 12 characters from the vowel-free alphabet and do not repeat across many draws (the pool of random bytes is refilled, never reused).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newQueueId } from './queue-id.js';

test('ids are 12 vowel-free characters and unique over 10,000 draws (40 refills of the pool)', () => {
  const ids = new Set<string>();
  for (let i = 0; i < 10_000; i++) {
    const id = newQueueId();
    assert.match(id, /^[0-9BCDFGHJKLMNPQRSTVWXYZ]{12}$/);
    ids.add(id);
  }
  assert.equal(ids.size, 10_000);
});
