// Goal: LIST patterns match as RFC 9051 §6.3.9 says ("*" crosses levels, "%" does not, INBOX without case), and hostile patterns stay cheap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePattern, wildcardMatch } from './mailbox-pattern.js';
import { ImapBadError } from './imap-errors.js';

const names = ['INBOX', 'INBOX/Lists', 'Work', 'Work/2026', 'Work/2026/Q1', 'Workshop', 'Archive'];
const matching = (reference: string, pattern: string): string[] => names.filter(compilePattern(reference, pattern));

test('"*" matches across hierarchy levels, "%" within one', () => {
  assert.deepEqual(matching('', '*'), names);
  assert.deepEqual(matching('', '%'), ['INBOX', 'Work', 'Workshop', 'Archive']);
  assert.deepEqual(matching('', 'Work/%'), ['Work/2026']);
  assert.deepEqual(matching('', 'Work/*'), ['Work/2026', 'Work/2026/Q1']);
  assert.deepEqual(matching('', 'Work%'), ['Work', 'Workshop']);
  assert.deepEqual(matching('', '%/%'), ['INBOX/Lists', 'Work/2026']);
});

test('the reference is prefixed to the pattern', () => {
  assert.deepEqual(matching('Work/', '%'), ['Work/2026']);
  assert.deepEqual(matching('Work', '*'), ['Work', 'Work/2026', 'Work/2026/Q1', 'Workshop']);
});

test('INBOX matches in any case, other names exactly (RFC 9051 §5.1)', () => {
  assert.deepEqual(matching('', 'inbox'), ['INBOX']);
  assert.deepEqual(matching('', 'iNbOx/%'), ['INBOX/Lists']);
  assert.deepEqual(matching('', 'work'), []);
  assert.deepEqual(matching('', 'inb*'), ['INBOX', 'INBOX/Lists']);
});

test('no wildcard means an exact name', () => {
  assert.equal(wildcardMatch('Work/2026', 'Work/2026'), true);
  assert.equal(wildcardMatch('Work/2026', 'Work/2026/Q1'), false);
  assert.equal(wildcardMatch('', ''), true);
});

test('a pattern of many wildcards is linear work, and an overlong one is refused', () => {
  const started = Date.now();
  assert.equal(wildcardMatch('*%'.repeat(400) + 'x', 'a/'.repeat(120) + 'b'), false);
  assert.ok(Date.now() - started < 200);
  assert.throws(() => compilePattern('', 'a'.repeat(2000)), ImapBadError);
});
