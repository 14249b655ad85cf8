// Goal: the command rate limiter lets a burst through, then spaces commands at the configured rate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandRateLimiter } from './command-rate-limiter.js';

test('a burst passes, the next command waits one interval, refills over time', () => {
  const r = new CommandRateLimiter(10, 3);
  assert.deepEqual([r.take(0), r.take(0), r.take(0)], [0, 0, 0]);
  assert.equal(r.take(0), 100);
  assert.equal(r.take(0), 200);
  assert.equal(r.take(1000), 0); // 10 tokens refilled, capped at 3, two owed
  assert.equal(r.take(1000), 0);
});
