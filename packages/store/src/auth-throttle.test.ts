// Goal: repeated AUTH failures from one address are delayed more and more, capped, forgotten after the window, and memory stays bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthThrottle } from './auth-throttle.js';

const throttleLimits = { failuresBeforeDelay: 3, delayMsPerFailure: 1000, delayMsMax: 2500, failureWindowMs: 60_000, clientsMax: 2 };

test('the first failures are free, then each attempt waits longer, up to the cap', () => {
  const throttle = new AuthThrottle(throttleLimits);
  const delays: number[] = [];
  for (let i = 0; i < 6; i++) {
    delays.push(throttle.delayMsBeforeAttempt('192.0.2.1', 1000 + i));
    throttle.recordFailure('192.0.2.1', 1000 + i);
  }
  assert.deepEqual(delays, [0, 0, 0, 1000, 2000, 2500]);
  assert.equal(throttle.delayMsBeforeAttempt('192.0.2.2', 1010), 0, 'another address is not slowed down');
});

test('failures are forgotten once the window has passed since the last one', () => {
  const throttle = new AuthThrottle(throttleLimits);
  for (let i = 0; i < 4; i++) throttle.recordFailure('192.0.2.1', 0);
  assert.equal(throttle.delayMsBeforeAttempt('192.0.2.1', 59_999), 2000);
  assert.equal(throttle.delayMsBeforeAttempt('192.0.2.1', 60_000), 0);
  assert.equal(throttle.recordFailure('192.0.2.1', 60_001), 1, 'counting starts over');
});

test('past clientsMax addresses, the one with the oldest failure is forgotten', () => {
  const throttle = new AuthThrottle(throttleLimits);
  for (let i = 0; i < 3; i++) throttle.recordFailure('a', 1);
  for (let i = 0; i < 3; i++) throttle.recordFailure('b', 2);
  throttle.recordFailure('a', 3); // a is now the most recent
  throttle.recordFailure('c', 4);
  assert.equal(throttle.size, 2);
  assert.equal(throttle.delayMsBeforeAttempt('b', 5), 0, 'b had the oldest last failure');
  assert.equal(throttle.delayMsBeforeAttempt('a', 5), 2000);
});
