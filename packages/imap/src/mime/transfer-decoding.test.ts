// Goal: BINARY decoding (RFC 3516) undoes base64 and quoted-printable robustly and refuses unknown encodings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMimeMessage } from './mime-part.js';
import { UnknownTransferEncodingError, binarySection, decodeBase64, decodeQuotedPrintable, decodedBody } from './transfer-decoding.js';

test('base64: whitespace and junk ignored, padding ends a group, concatenated blocks decode', () => {
  assert.equal(decodeBase64(Buffer.from('aGVs\r\nbG8=')).toString(), 'hello');
  assert.equal(decodeBase64(Buffer.from('aGVs!!bG8')).toString(), 'hello');
  assert.equal(decodeBase64(Buffer.from('aGk=aGk=')).toString(), 'hihi');
  assert.equal(decodeBase64(Buffer.from('')).length, 0);
  const random = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 37 + 11) & 0xff));
  assert.deepEqual(decodeBase64(Buffer.from(random.toString('base64').replace(/(.{76})/g, '$1\r\n'))), random);
});

test('quoted-printable: =XX, soft line breaks, trailing white space, invalid "=" kept (RFC 2045 §6.7)', () => {
  assert.equal(decodeQuotedPrintable(Buffer.from('Gr=C3=BC=C3=9Fe')).toString('utf8'), 'Grüße');
  assert.equal(decodeQuotedPrintable(Buffer.from('long =\r\nline')).toString(), 'long line');
  assert.equal(decodeQuotedPrintable(Buffer.from('soft =  \r\nbreak')).toString(), 'soft break');
  assert.equal(decodeQuotedPrintable(Buffer.from('bare=\nLF')).toString(), 'bareLF');
  assert.equal(decodeQuotedPrintable(Buffer.from('trailing   \r\nnext')).toString(), 'trailing\r\nnext');
  assert.equal(decodeQuotedPrintable(Buffer.from('kept=20\r\n')).toString(), 'kept \r\n');
  assert.equal(decodeQuotedPrintable(Buffer.from('a=ZZb = c')).toString(), 'a=ZZb = c');
  assert.equal(decodeQuotedPrintable(Buffer.from('end=')).toString(), 'end');
  assert.equal(decodeQuotedPrintable(Buffer.from('lower=c3=a9')).toString('utf8'), 'loweré');
});

const message = Buffer.from([
  'Content-Type: multipart/mixed; boundary=b', '', '--b', 'Content-Type: application/octet-stream',
  'Content-Transfer-Encoding: BASE64', '', Buffer.from([0, 1, 2, 255]).toString('base64'), '--b',
  'Content-Transfer-Encoding: quoted-printable', '', 'caf=C3=A9', '--b', 'Content-Transfer-Encoding: x-uuencode', '', 'xx',
  '--b', '', 'plain', '--b--', '',
].join('\r\n'), 'latin1');
const root = parseMimeMessage(message);

test('BINARY[section] decodes per part; BINARY[] is the whole message', () => {
  assert.deepEqual(binarySection(message, root, [1]), Buffer.from([0, 1, 2, 255]));
  assert.equal(binarySection(message, root, [2])?.toString('utf8'), 'café');
  assert.equal(binarySection(message, root, [4])?.toString(), 'plain');
  assert.equal(binarySection(message, root, []), message);
  assert.equal(binarySection(message, root, [7]), null);
});

test('an unknown transfer encoding is UnknownTransferEncodingError (NO [UNKNOWN-CTE], RFC 3516 §4.3)', () => {
  assert.throws(() => binarySection(message, root, [3]), (err: unknown) => err instanceof UnknownTransferEncodingError && err.encoding === 'x-uuencode');
  assert.equal(decodedBody(message, root).length, root.bodyEnd - root.bodyStart, 'a multipart is not decoded');
});
