// Goal: header values read without a parser — any case, unfolded, trimmed, cut; never from the body; '' when missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headerFields, headerSection } from './header-fields.js';

test('values are unfolded, trimmed and cut; names match in any case; a missing field is empty', () => {
  const raw = Buffer.from('SUBJECT:  a long\r\n\tfolded subject \r\nFrom: Demo <demo@example.test>\r\nX-Empty:\r\n\r\nSubject: not this one\r\n');
  const f = headerFields(raw, ['subject', 'from', 'message-id', 'x-empty'], 12);
  assert.deepEqual(Object.fromEntries(f), { 'subject': 'a long\tfolde', 'from': 'Demo <demo@e', 'message-id': '', 'x-empty': '' });
});

test('the header section ends at the first empty line (CRLF or bare LF); the body is never read', () => {
  assert.equal(headerSection(Buffer.from('A: 1\r\nB: 2\r\n\r\nSubject: body\r\n')).toString(), 'A: 1\r\nB: 2\r\n');
  assert.equal(headerSection(Buffer.from('A: 1\n\nSubject: body\n')).toString(), 'A: 1\n');
  assert.equal(headerFields(Buffer.from('A: 1\n\nSubject: body\n'), ['subject'], 100).get('subject'), '');
  assert.equal(headerSection(Buffer.from('no empty line at all')).toString(), 'no empty line at all');
});
