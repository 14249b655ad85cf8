// Goal: the retry waits grow along limits.outboundRetryDelaysMs and then stay at the last; the lifetime ends at its limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { limits } from '@tandem/config';
import { expired, nextAttemptMs } from './retry-schedule.js';

test('waits grow attempt by attempt, then repeat the last', () => {
  const delays = limits.outboundRetryDelaysMs;
  const now = 1_000_000;
  assert.deepEqual(delays.map((_, i) => nextAttemptMs(i + 1, now) - now), [...delays]);
  assert.equal(nextAttemptMs(delays.length + 5, now) - now, delays[delays.length - 1]);
  assert.equal(nextAttemptMs(0, now) - now, delays[0]);
  for (let i = 1; i < delays.length; i++) assert.ok(delays[i]! > delays[i - 1]!, 'waits never shrink');
});

test('the queue lifetime ends exactly at limits.outboundQueueLifetimeMs', () => {
  assert.equal(expired(0, limits.outboundQueueLifetimeMs - 1), false);
  assert.equal(expired(0, limits.outboundQueueLifetimeMs), true);
});
