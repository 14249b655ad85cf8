// Goal: `tandem queue list` reads like mailq: one block per message, only pending recipients with their last reply, and a count that says when the list was cut.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatQueue } from './queue-commands.js';

test('an empty queue says so', () => {
  assert.equal(formatQueue({ count: 0, entries: [] }), 'the outbound queue is empty\n');
});

test('blocks per message; delivered and failed recipients are not shown; a bounce shows <>; a cut list says how much is shown', () => {
  const entry = {
    queueId: 'Q1', from: 'demo@example.test', sizeBytes: 4096, arrivalMs: Date.UTC(2026, 10, 30, 3, 0, 0), nextAttemptMs: Date.UTC(2026, 10, 30, 3, 5, 0), attempts: 2,
    recipients: [
      { address: 'ok@remote.test', state: 'delivered' as const, attempts: 1, reply: '250 ok' },
      { address: 'grey@remote.test', state: 'pending' as const, attempts: 2, reply: '451 4.7.1 greylisted' },
      { address: 'new@remote.test', state: 'pending' as const, attempts: 0, reply: null },
    ],
  };
  assert.equal(formatQueue({ count: 3, entries: [entry, { ...entry, queueId: 'Q2', from: '', attempts: 1 }] }), [
    'Q1  4096 B  arrived 2026-11-30T03:00:00Z  from demo@example.test',
    '  2 attempts, next 2026-11-30T03:05:00Z',
    '  grey@remote.test  (451 4.7.1 greylisted)',
    '  new@remote.test',
    'Q2  4096 B  arrived 2026-11-30T03:00:00Z  from <> (a bounce)',
    '  1 attempt, next 2026-11-30T03:05:00Z',
    '  grey@remote.test  (451 4.7.1 greylisted)',
    '  new@remote.test',
    '-- 3 messages in the outbound queue (the oldest 2 shown)',
    '',
  ].join('\n'));
});
