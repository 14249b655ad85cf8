// Goal: BODY/BODYSTRUCTURE follow RFC 9051 §7.5.2 for defaults, extension data, 8-bit and encoded parameters, nested messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildBodyStructure } from './body-structure.js';
import { parseMimeMessage } from './mime-part.js';
import { ResponseWriter } from '../wire/value-encoder.js';

function structure(lines: Array<string | Buffer>, extended = true, utf8 = false): string {
  const buf = Buffer.concat(lines.flatMap((l, i) => [Buffer.isBuffer(l) ? l : Buffer.from(l, 'latin1'), ...(i < lines.length - 1 ? [Buffer.from('\r\n')] : [])]));
  return new ResponseWriter({ utf8 }).value(buildBodyStructure(buf, parseMimeMessage(buf), extended)).toBuffer().toString('latin1');
}

test('single part with every extension field (md5, disposition, language, location, id, description)', () => {
  assert.equal(structure([
    'MIME-Version: 1.0', 'Content-Type: application/pdf; name="r.pdf"', 'Content-ID: <id@x>', 'Content-Description: The report',
    'Content-Transfer-Encoding: base64', 'Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==', 'Content-Disposition: attachment; filename="r.pdf"; size=3',
    'Content-Language: en, de', 'Content-Location: http://x/r.pdf', '', 'AAAA',
  ]), '("application" "pdf" ("name" "r.pdf") "<id@x>" "The report" "base64" 4 "Q2hlY2sgSW50ZWdyaXR5IQ==" '
    + '("attachment" ("filename" "r.pdf" "size" "3")) ("en" "de") "http://x/r.pdf")');
});

test('BODY (non-extensible) omits extension data; text gets a line count, others do not', () => {
  assert.equal(structure(['Content-Type: image/png', '', 'x\r\ny'], false), '("image" "png" NIL NIL NIL "7bit" 4)');
  assert.equal(structure(['Content-Type: text/html; charset=utf-8', '', 'x\r\ny\r\n'], false), '("text" "html" ("charset" "utf-8") NIL NIL "7bit" 6 2)');
});

test('text/* without a charset gets ("charset" "us-ascii") after its other parameters (RFC 2045 §5.2)', () => {
  assert.equal(structure(['Content-Type: text/plain; format=flowed', '', ''], false), '("text" "plain" ("format" "flowed" "charset" "us-ascii") NIL NIL "7bit" 0 0)');
  assert.equal(structure(['Content-Type: Text/Plain; CHARSET=UTF-8', '', ''], false), '("Text" "Plain" ("CHARSET" "UTF-8") NIL NIL "7bit" 0 0)');
});

test('encoded words and RFC 2231 parameters are reported as written', () => {
  assert.equal(structure([
    'Content-Type: image/gif; name="=?UTF-8?Q?nyan=2Egif?="', "Content-Disposition: attachment; filename*=utf-8''nyan%20cat.gif", '', '',
  ]), '("image" "gif" ("name" "=?UTF-8?Q?nyan=2Egif?=") NIL NIL "7bit" 0 NIL ("attachment" ("filename*" "utf-8\'\'nyan%20cat.gif")) NIL NIL)');
});

test('8-bit parameter values keep their bytes: literal, or quoted UTF-8 after UTF8=ACCEPT', () => {
  const name = Buffer.from('Übersicht.pdf', 'utf8');
  const lines = [Buffer.concat([Buffer.from('Content-Type: application/pdf; name="'), name, Buffer.from('"')]), Buffer.from(''), Buffer.from('x')];
  assert.equal(structure(lines, false), `("application" "pdf" ("name" {${name.length}}\r\n${name.toString('latin1')}) NIL NIL "7bit" 1)`);
  assert.equal(Buffer.from(structure(lines, false, true), 'latin1').toString('utf8'), '("application" "pdf" ("name" "Übersicht.pdf") NIL NIL "7bit" 1)');
});

test('multipart: parts back to back, subtype, then params, disposition, language, location', () => {
  assert.equal(structure([
    'Content-Type: multipart/alternative; boundary=b', 'Content-Disposition: inline', 'Content-Language: fr', '',
    '--b', '', 'plain', '--b', 'Content-Type: text/html', '', '<p>', '--b--',
  ]), '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 5 0 NIL NIL NIL NIL)("text" "html" ("charset" "us-ascii") NIL NIL "7bit" 3 0 NIL NIL NIL NIL) '
    + '"alternative" ("boundary" "b") ("inline" NIL) ("fr") NIL)');
});

test('message/rfc822 carries envelope, body and line count; message/global too (RFC 9051 §9)', () => {
  const nested = ['Subject: inner', 'From: a@b', '', 'hi', ''];
  assert.equal(structure(['Content-Type: multipart/mixed; boundary=m', '', '--m', 'Content-Type: message/rfc822', '', ...nested, '--m--'], false),
    '(("message" "rfc822" NIL NIL NIL "7bit" 33 (NIL "inner" ((NIL NIL "a" "b")) ((NIL NIL "a" "b")) ((NIL NIL "a" "b")) NIL NIL NIL NIL NIL) '
    + '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 4 1) 4) "mixed")');
  assert.equal(structure(['Content-Type: message/global', '', 'Subject: x', '', 'b'], false),
    '("message" "global" NIL NIL NIL "7bit" 15 (NIL "x" NIL NIL NIL NIL NIL NIL NIL NIL) ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 1 0) 2)');
});

test('missing boundaries and empty multiparts still give a valid structure', () => {
  assert.equal(structure(['Content-Type: multipart/mixed', '', 'no boundary parameter'], false),
    '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0) "mixed")');
  assert.equal(structure(['Content-Type: multipart/mixed; boundary=q', '', '--q--'], false),
    '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0) "mixed")');
  assert.equal(structure(['Content-Type: multipart/mixed; boundary=q', '', '--q', 'Content-Type: text/plain', '', 'truncated'], false),
    '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 9 0) "mixed")');
});
