// Goal: values encode to valid IMAP: NIL, numbers, lists, atoms, quoted only when safe, literals otherwise, literal8 for NUL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ImapLiteral8, atom, raw } from './imap-value.js';
import { ResponseWriter, encodeValue } from './value-encoder.js';

test('NIL, numbers, bigints, atoms, raw text and nested lists', () => {
  assert.equal(encodeValue(null), 'NIL');
  assert.equal(encodeValue(0), '0');
  assert.equal(encodeValue(4294967295), '4294967295');
  assert.equal(encodeValue(9223372036854775807n), '9223372036854775807');
  assert.equal(encodeValue(atom('\\Seen')), '\\Seen');
  assert.equal(encodeValue(raw('BODY[1]<0>')), 'BODY[1]<0>');
  assert.equal(encodeValue([]), '()');
  assert.equal(encodeValue(['a', [1, null, [atom('X')]], 'b']), '("a" (1 NIL (X)) "b")');
});

test('numbers must be non-negative safe integers (a bug, not client input)', () => {
  assert.throws(() => encodeValue(-1), RangeError);
  assert.throws(() => encodeValue(1.5), RangeError);
  assert.throws(() => encodeValue(-1n), RangeError);
});

test('quoted strings escape " and \\; empty string is ""', () => {
  assert.equal(encodeValue(''), '""');
  assert.equal(encodeValue('a "b" \\c'), '"a \\"b\\" \\\\c"');
});

test('CR, LF and NUL force a literal; 8-bit forces a literal unless UTF8=ACCEPT', () => {
  assert.equal(encodeValue('a\r\nb'), '{4}\r\na\r\nb');
  assert.equal(encodeValue('x\0'), '{2}\r\nx\0');
  assert.equal(encodeValue('Grüße'), '{7}\r\nGrüße');
  assert.equal(encodeValue('Grüße', { utf8: true }), '"Grüße"');
  assert.equal(encodeValue('a\nb', { utf8: true }), '{3}\r\na\nb');
});

test('Buffers: 7-bit goes quoted; valid UTF-8 quoted only with UTF8=ACCEPT; other 8-bit always literal', () => {
  assert.equal(encodeValue(Buffer.from('plain')), '"plain"');
  const utf8 = Buffer.from('Grüße', 'utf8');
  assert.equal(new ResponseWriter().value(utf8).toBuffer().toString('latin1'), `{7}\r\n${utf8.toString('latin1')}`);
  assert.equal(encodeValue(utf8, { utf8: true }), '"Grüße"');
  const latin1 = Buffer.from([0x47, 0x72, 0xfc, 0xdf]);
  const out = new ResponseWriter({ utf8: true }).value(latin1).toBuffer();
  assert.deepEqual(out, Buffer.concat([Buffer.from('{4}\r\n'), latin1]), 'invalid UTF-8 is never quoted');
});

test('long strings go as literals', () => {
  const long = 'x'.repeat(2000);
  assert.equal(encodeValue(long), `{2000}\r\n${long}`);
});

test('literal8 for binary data (RFC 3516)', () => {
  const out = new ResponseWriter().value(new ImapLiteral8(Buffer.from([0, 1, 2]))).toBuffer();
  assert.deepEqual(out, Buffer.from([0x7e, 0x7b, 0x33, 0x7d, 0x0d, 0x0a, 0, 1, 2]));
});

test('the writer keeps literal data in its own Buffer chunk (no copy of large bodies)', () => {
  const body = Buffer.alloc(100_000, 0x61);
  const chunks = new ResponseWriter().write('* 1 FETCH (BODY[] ').literal(body).write(')\r\n').toChunks();
  assert.deepEqual(chunks.map((c) => (typeof c === 'string' ? c : `<${c.length} bytes>`)), [
    '* 1 FETCH (BODY[] {100000}\r\n', '<100000 bytes>', ')\r\n',
  ]);
  assert.equal(chunks[1], body);
});
