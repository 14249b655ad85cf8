// Goal: server responses read back into the same values the encoder wrote (used to compare responses by value).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ImapAtom, ImapLiteral8 } from './imap-value.js';
import { ResponseSyntaxError, parseResponseValues } from './response-parser.js';
import { encodeValue } from './value-encoder.js';

test('atoms, numbers, NIL, quoted, literals, lists, section labels', () => {
  const line = Buffer.from('* 3 FETCH (UID 7 BODY[HEADER.FIELDS (A B)]<0> {3}\r\nx\r\n ENVELOPE (NIL "a \\"q\\"") FLAGS (\\Seen))\r\nrest');
  const { values, end } = parseResponseValues(line);
  assert.equal(line.subarray(end).toString(), 'rest');
  assert.deepEqual(values, [
    new ImapAtom('*'), 3, new ImapAtom('FETCH'),
    [new ImapAtom('UID'), 7, new ImapAtom('BODY[HEADER.FIELDS (A B)]<0>'), 'x\r\n', new ImapAtom('ENVELOPE'), [null, 'a "q"'],
      new ImapAtom('FLAGS'), [new ImapAtom('\\Seen')]],
  ]);
});

test('8-bit strings come back as Buffers; literal8 as ImapLiteral8; re-encoding is stable', () => {
  const { values } = parseResponseValues(Buffer.concat([Buffer.from('{2}\r\n'), Buffer.from([0xc3, 0xa9]), Buffer.from(' ~{1}\r\n\0')]));
  assert.deepEqual(values[0], Buffer.from([0xc3, 0xa9]));
  assert.ok(values[1] instanceof ImapLiteral8);
  const text = '("a" NIL 12 ("b" ("c")))';
  assert.equal(encodeValue(parseResponseValues(Buffer.from(text)).values[0] ?? null), text);
});

test('malformed input is a ResponseSyntaxError', () => {
  for (const bad of ['(a', '"abc', '{5}\r\nab', '{x}\r\n', 'a[b']) {
    assert.throws(() => parseResponseValues(Buffer.from(bad)), ResponseSyntaxError, bad);
  }
});
