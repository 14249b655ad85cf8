// Goal: a pre-encoded value writes exactly what the encoder writes for the same value and client mode, values that need a literal stay values, and the one-byte form keeps the text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ImapRaw, atom } from '../wire/imap-value.js';
import type { ImapValue } from '../wire/imap-value.js';
import { ResponseWriter, encodeValue } from '../wire/value-encoder.js';
import { oneByteString, preEncodedValue } from './pre-encoded-value.js';

const envelope: ImapValue = [
  'Tue, 2 Jan 2024 03:41:09 +0000', 'Grüße "aus" Zürich', [['Anna', null, 'anna', 'example.org']], null, [atom('X')],
  Buffer.from('=?UTF-8?Q?Gr=C3=BC=C3=9Fe?='), 'back\\slash',
];

test('the pre-encoded text equals the encoder output in both client modes', () => {
  for (const utf8 of [false, true]) {
    const pre = preEncodedValue(envelope, utf8);
    if (utf8) {
      assert.ok(pre instanceof ImapRaw);
      assert.equal(pre.text, encodeValue(envelope, { utf8 }));
    } else {
      // 8-bit text for a 7-bit client needs a literal: the value is kept as it is.
      assert.equal(pre, envelope);
    }
  }
  const ascii: ImapValue = ['Tue, 2 Jan 2024', 'plain "quoted"', null, [['A', null, 'a', 'b.example']]];
  const pre = preEncodedValue(ascii, false);
  assert.ok(pre instanceof ImapRaw);
  assert.equal(pre.text, encodeValue(ascii));
  assert.equal(new ResponseWriter().value(pre).toString(), encodeValue(ascii));
});

test('a value with a literal in it is not turned into text', () => {
  const withLiteral: ImapValue = ['line one\r\nline two', null];
  assert.equal(preEncodedValue(withLiteral, true), withLiteral);
});

test('the one-byte form has the same characters', () => {
  const fromTwoByte = 'Zürich €'.slice(0, 6) + ' abc'; // V8 keeps slices of a two-byte string two-byte
  assert.equal(oneByteString(fromTwoByte), 'Zürich abc');
  assert.equal(oneByteString('price: 5 €'), 'price: 5 €');
  assert.equal(oneByteString('façade'), 'façade');
  assert.equal(oneByteString(''), '');
});
