// Goal: modified UTF-7 round-trips (RFC 3501 §5.1.3 examples), refuses every non-canonical spelling, and UTF-8 mode passes names through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMailboxName, decodeModifiedUtf7, encodeMailboxName, encodeModifiedUtf7 } from './mailbox-name-codec.js';
import { ImapParseError } from './wire/parse-error.js';

const table: Array<[string, string]> = [
  // RFC 3501 §5.1.3: "~peter/mail/台北/日本語"
  ['~peter/mail/\u53f0\u5317/\u65e5\u672c\u8a9e', '~peter/mail/&U,BTFw-/&ZeVnLIqe-'],
  ['Entwürfe', 'Entw&APw-rfe'],
  ['A & B', 'A &- B'],
  ['&', '&-'],
  ['INBOX', 'INBOX'],
  ['Ünïcödé', '&ANw-n&AO8-c&APY-d&AOk-'],
  ['Gesendete Objekte', 'Gesendete Objekte'],
  ['😀 emoji', '&2D3eAA- emoji'],
  ['日本語', '&ZeVnLIqe-'],
  ['tab\there', 'tab&AAk-here'],
  ['', ''],
];

for (const [name, wire] of table) {
  test(`modified UTF-7: ${JSON.stringify(name)} <-> ${wire}`, () => {
    assert.equal(encodeModifiedUtf7(name), wire);
    assert.equal(decodeModifiedUtf7(wire), name);
  });
}

const invalid: Array<[string, string]> = [
  ['&U,BTFw', '"&" without a closing "-"'],
  ['Entw\u00fcrfe', '8-bit character (use "&...-")'],
  ['a\x01b', 'control character'],
  ['&U/BTFw-', '"/" inside an encoded run'],
  ['&APx-', 'bad padding in an encoded run'],
  ['&AGE-', 'printable ASCII must not be encoded'],
  ['&APw-&APw-', 'two encoded runs must be one'],
  ['&2D0-', 'unpaired surrogate'],
  ['&3gA-', 'unpaired surrogate'],
  ['&A-', 'bad padding in an encoded run'],
];

for (const [wire, reason] of invalid) {
  test(`modified UTF-7 refuses ${JSON.stringify(wire)}: ${reason}`, () => {
    assert.throws(() => decodeModifiedUtf7(wire), (err: unknown) =>
      err instanceof ImapParseError && err.reason === `Mailbox name is not valid modified UTF-7: ${reason}` && err.status === 'BAD');
  });
}

test('UTF-8 mode (RFC 6855 §3): names pass through, "&" is an ordinary character, NFC applied', () => {
  assert.equal(decodeMailboxName('A &- B', 'utf8'), 'A &- B');
  assert.equal(decodeMailboxName('Entwu\u0308rfe', 'utf8'), 'Entwürfe');
  assert.equal(encodeMailboxName('Entwürfe', 'utf8'), 'Entwürfe');
  assert.equal(encodeMailboxName('Entwürfe', 'utf7'), 'Entw&APw-rfe');
  assert.equal(decodeMailboxName('Entw&APw-rfe', 'utf7'), 'Entwürfe');
  assert.throws(() => decodeMailboxName('a\x00b', 'utf8'), ImapParseError);
  assert.throws(() => decodeMailboxName('bad\ufffd', 'utf8'), ImapParseError);
});

test('every encoded name decodes back (random Unicode, seeded)', () => {
  let state = 12345;
  const rand = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  for (let i = 0; i < 2000; i++) {
    let name = '';
    const len = Math.floor(rand() * 12);
    for (let k = 0; k < len; k++) {
      const r = rand();
      const cp = r < 0.4 ? 0x20 + Math.floor(rand() * 95) : r < 0.8 ? 0xa0 + Math.floor(rand() * 0xd000) : 0x10000 + Math.floor(rand() * 0x10000);
      name += String.fromCodePoint(cp >= 0xd800 && cp <= 0xdfff ? 0x41 : cp);
    }
    assert.equal(decodeModifiedUtf7(encodeModifiedUtf7(name)), name, `seed 12345, case ${i}: ${JSON.stringify(name)}`);
  }
});
