// Goal: a restore continues the log past the old log, past the backup and past the Unix time, so no log index (and no UIDVALIDITY made from one) of the lost history comes back, even on a new machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rebaseIndex } from './backup-commands.js';

test('rebaseIndex: one past the largest of the old log, the backup and the time in seconds', () => {
  const nowMs = Date.UTC(2026, 10, 30, 1, 30);
  const seconds = nowMs / 1000;
  assert.equal(rebaseIndex(undefined, 120, nowMs), seconds + 1, 'a new machine: the time');
  assert.equal(rebaseIndex(seconds + 500, 120, nowMs), seconds + 501, 'an old log that went further');
  assert.equal(rebaseIndex(undefined, seconds + 9, nowMs), seconds + 10);
  assert.ok(rebaseIndex(undefined, 1, Date.UTC(2106, 0, 1)) < 0xffffffff, 'still a 32-bit UIDVALIDITY in 2106');
  assert.ok(rebaseIndex(undefined, 1, nowMs + 1000) > rebaseIndex(undefined, 1, nowMs), 'a later restore, a later index');
});
