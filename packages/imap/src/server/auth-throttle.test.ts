// Goal: failed logins from one address are slowed down after the free ones, forgotten after the window, and the table stays bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthThrottle } from './auth-throttle.js';

const limitsForTest = { failuresBeforeDelay: 2, delayMsPerFailure: 100, delayMsMax: 250, failureWindowMs: 1000, clientsMax: 2 };

test('delays grow per failure beyond the free ones, capped', () => {
  const t = new AuthThrottle(limitsForTest);
  assert.equal(t.delayMsBeforeAttempt('1.2.3.4', 0), 0);
  t.recordFailure('1.2.3.4', 0);
  assert.equal(t.delayMsBeforeAttempt('1.2.3.4', 0), 0);
  t.recordFailure('1.2.3.4', 0);
  assert.equal(t.delayMsBeforeAttempt('1.2.3.4', 0), 100);
  t.recordFailure('1.2.3.4', 0);
  t.recordFailure('1.2.3.4', 0);
  assert.equal(t.delayMsBeforeAttempt('1.2.3.4', 0), 250);
  assert.equal(t.delayMsBeforeAttempt('5.6.7.8', 0), 0);
});

test('failures are forgotten after the window and the oldest address goes first', () => {
  const t = new AuthThrottle(limitsForTest);
  t.recordFailure('a', 0); t.recordFailure('a', 0);
  assert.equal(t.delayMsBeforeAttempt('a', 999), 100);
  assert.equal(t.delayMsBeforeAttempt('a', 1000), 0);
  t.recordFailure('x', 2000); t.recordFailure('y', 2001); t.recordFailure('z', 2002);
  assert.equal(t.size, 2);
  t.recordFailure('x', 2003);
  assert.equal(t.recordFailure('x', 2004), 2); // x was evicted before, so it counts from one again
});
