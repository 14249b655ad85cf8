// Goal: flags are validated and canonicalised (RFC 9051 §2.3.2) and STORE's three operations combine them deterministically.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { combineFlags, InvalidFlagError, normaliseFlags } from './message-flags.js';

test('system flags get their canonical spelling and order; keywords keep first spelling; \\Recent is dropped', () => {
  assert.deepEqual(normaliseFlags(['$Label1', '\\SEEN', '\\flagged', '$label1', '\\Recent', 'Junk']), ['\\Flagged', '\\Seen', '$Label1', 'Junk']);
});

test('bad flags are refused', () => {
  for (const bad of ['', '\\Custom', 'has space', 'a(b', 'quo"te', 'br]acket', 'wild*', 'pct%', 'ünï', 'x'.repeat(101)]) {
    assert.throws(() => normaliseFlags([bad]), InvalidFlagError, bad);
  }
  assert.throws(() => normaliseFlags(Array.from({ length: 65 }, (_, i) => `k${i}`)), /more than 64/);
});

test('replace / add / remove', () => {
  const current = ['\\Seen', 'work'];
  assert.deepEqual(combineFlags(current, 'replace', ['\\Deleted']), ['\\Deleted']);
  assert.deepEqual(combineFlags(current, 'add', ['\\Answered', 'WORK', 'later']), ['\\Answered', '\\Seen', 'work', 'later']);
  assert.deepEqual(combineFlags(current, 'remove', ['\\Seen', 'Work']), []);
});
