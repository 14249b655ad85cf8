// Goal: the MIME structure parser finds every part with exact byte offsets, also for missing, reused, prefixed and absent boundaries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildBodyStructure } from './body-structure.js';
import { countLines, parseMimeMessage } from './mime-part.js';
import type { MimePart } from './mime-part.js';
import { encodeValue } from '../wire/value-encoder.js';

const crlf = (...lines: string[]): Buffer => Buffer.from(lines.join('\r\n'), 'latin1');
const body = (buf: Buffer, part: MimePart): string => buf.toString('latin1', part.bodyStart, part.bodyEnd);
const header = (buf: Buffer, part: MimePart): string => buf.toString('latin1', part.start, part.header.end);
const structure = (buf: Buffer): string => encodeValue(buildBodyStructure(buf, parseMimeMessage(buf), false));

test('a plain RFC 5322 message: header up to and including the empty line, body to the end', () => {
  const buf = crlf('Subject: hi', 'From: a@b', '', 'line 1', 'line 2', '');
  const root = parseMimeMessage(buf);
  assert.equal(root.kind, 'leaf');
  assert.equal(header(buf, root), 'Subject: hi\r\nFrom: a@b\r\n\r\n');
  assert.equal(body(buf, root), 'line 1\r\nline 2\r\n');
  assert.equal(root.contentTypeDefaulted, true);
  assert.equal(structure(buf), '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 16 2)');
});

test('a message with no body, no empty line, or no header at all', () => {
  const noBody = crlf('Subject: x');
  assert.equal(parseMimeMessage(noBody).bodyStart, noBody.length);
  const headerOnly = crlf('Subject: x', '');
  assert.equal(parseMimeMessage(headerOnly).header.terminator, 'eof');
  const bodyOnly = crlf('', 'text');
  const root = parseMimeMessage(bodyOnly);
  assert.equal(root.header.fields.length, 0);
  assert.equal(body(bodyOnly, root), 'text');
  assert.equal(parseMimeMessage(Buffer.alloc(0)).bodyEnd, 0);
});

test('multipart: preamble, parts, epilogue; the CRLF before a boundary belongs to the boundary', () => {
  const buf = crlf(
    'Content-Type: multipart/mixed; boundary="b"', '', 'preamble', '--b', 'Content-Type: text/plain', '', 'one', '--b  ',
    '', 'two', '', '--b--', 'epilogue', '',
  );
  const root = parseMimeMessage(buf);
  assert.equal(root.kind, 'multipart');
  assert.equal(root.children.length, 2);
  assert.equal(body(buf, root.children[0]!), 'one');
  assert.equal(header(buf, root.children[1]!), '\r\n', 'a part with an empty header');
  assert.equal(body(buf, root.children[1]!), 'two\r\n');
  assert.equal(root.bodyEnd, buf.length, 'the epilogue belongs to the multipart');
  assert.equal(structure(buf), '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 3 0)("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 5 1) "mixed")');
});

test('missing close delimiter: the last part runs to the end of the message', () => {
  const buf = crlf('Content-Type: multipart/mixed; boundary=b', '', '--b', '', 'one', '--b', '', 'two, truncated');
  const root = parseMimeMessage(buf);
  assert.equal(root.children.length, 2);
  assert.equal(body(buf, root.children[1]!), 'two, truncated');
  assert.equal(root.children[1]!.bodyEnd, buf.length);
});

test('boundary never found, or no boundary parameter: one empty text/plain part is reported', () => {
  const neverFound = crlf('Content-Type: multipart/mixed; boundary=zzz', '', 'just text', '--zz', '');
  assert.equal(parseMimeMessage(neverFound).children.length, 0);
  assert.equal(structure(neverFound), '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0) "mixed")');
  const noParam = crlf('Content-Type: multipart/alternative', '', '--x', '', 'text');
  const root = parseMimeMessage(noParam);
  assert.equal(root.kind, 'multipart');
  assert.equal(body(noParam, root), '--x\r\n\r\ntext');
  assert.equal(encodeValue(buildBodyStructure(noParam, root, true)),
    '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL) "alternative" NIL NIL NIL NIL)');
});

test('nested multiparts reusing the same boundary nest inward (innermost wins a tie)', () => {
  const buf = crlf(
    'Content-Type: multipart/mixed; boundary=x', '', '--x', 'Content-Type: multipart/mixed; boundary=x', '',
    '--x', 'Content-Type: text/plain', '', 'deep', '--x--', '',
  );
  const root = parseMimeMessage(buf);
  const inner = root.children[0]!;
  assert.equal(inner.kind, 'multipart');
  assert.equal(body(buf, inner.children[0]!), 'deep');
});

test('the longest matching boundary wins ("--ab" vs "--abc")', () => {
  const buf = crlf(
    'Content-Type: multipart/mixed; boundary=ab', '', '--ab', 'Content-Type: multipart/mixed; boundary=abc', '',
    '--abc', '', 'inner', '--abc--', '--ab', '', 'outer 2', '--ab--',
  );
  const root = parseMimeMessage(buf);
  assert.equal(root.children.length, 2);
  assert.equal(body(buf, root.children[0]!.children[0]!), 'inner');
  assert.equal(body(buf, root.children[1]!), 'outer 2');
});

test('an outer boundary closes every part inside it', () => {
  const buf = crlf(
    'Content-Type: multipart/mixed; boundary=out', '', '--out', 'Content-Type: multipart/alternative; boundary=in', '',
    '--in', '', 'a', '--out', '', 'b', '--out--',
  );
  const root = parseMimeMessage(buf);
  assert.equal(root.children.length, 2);
  assert.equal(body(buf, root.children[0]!.children[0]!), 'a');
  assert.equal(body(buf, root.children[1]!), 'b');
});

test('a part header cut short by a boundary: its last line break goes to the boundary', () => {
  const buf = crlf('Content-Type: multipart/mixed; boundary=b', '', '--b', 'Content-Type: text/html', '--b', '', 'x', '--b--');
  const root = parseMimeMessage(buf);
  const first = root.children[0]!;
  assert.equal(header(buf, first), 'Content-Type: text/html');
  assert.equal(first.bodyStart, first.bodyEnd);
  assert.equal(first.contentType.subtype, 'html');
  assert.equal(body(buf, root.children[1]!), 'x');
});

test('message/rfc822: the encapsulated message is parsed, its multipart included', () => {
  const buf = crlf(
    'Content-Type: message/rfc822', '', 'Subject: inner', 'Content-Type: multipart/mixed; boundary=q', '',
    '--q', '', 'p1', '--q--', '',
  );
  const root = parseMimeMessage(buf);
  assert.equal(root.kind, 'message');
  assert.ok(root.message);
  assert.equal(root.message.kind, 'multipart');
  assert.equal(body(buf, root.message.children[0]!), 'p1');
  assert.equal(root.bodyEnd, buf.length);
  assert.equal(countLines(buf, root.bodyStart, root.bodyEnd), 7);
});

test('multipart/digest parts default to message/rfc822 (RFC 2046 §5.1.5)', () => {
  const buf = crlf('Content-Type: multipart/digest; boundary=d', '', '--d', '', 'Subject: m1', '', 'body', '--d--');
  const part = parseMimeMessage(buf).children[0]!;
  assert.equal(part.kind, 'message');
  assert.equal(part.contentTypeDefaulted, true);
  assert.equal(body(buf, part.message!), 'body');
});

test('Content-* fields of a message without MIME-Version or Content-Type are ignored (RFC 2045 §1)', () => {
  const buf = crlf('Content-Transfer-Encoding: base64', '', 'text');
  assert.equal(structure(buf), '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 4 0)');
  const mime = crlf('MIME-Version: 1.0', 'Content-Transfer-Encoding: base64', '', 'text');
  assert.equal(structure(mime), '("text" "plain" ("charset" "us-ascii") NIL NIL "base64" 4 0)');
});

test('bare-LF messages are parsed as well (sizes are byte counts)', () => {
  const buf = Buffer.from('Content-Type: multipart/mixed; boundary=b\n\n--b\n\none\n--b--\n');
  const root = parseMimeMessage(buf);
  assert.equal(body(buf, root.children[0]!), 'one');
});

test('limits: deeper nesting than depthMax becomes an opaque leaf; more parts than partsMax stop splitting', () => {
  const nested = crlf(
    'Content-Type: multipart/mixed; boundary=a', '', '--a', 'Content-Type: multipart/mixed; boundary=b', '',
    '--b', '', 'x', '--b--', '--a--',
  );
  const shallow = parseMimeMessage(nested, { depthMax: 1 });
  assert.equal(shallow.children[0]!.kind, 'leaf');
  assert.equal(body(nested, shallow.children[0]!), '--b\r\n\r\nx\r\n--b--');
  const many = crlf('Content-Type: multipart/mixed; boundary=p', '', ...Array.from({ length: 10 }, (_, i) => `--p\r\n\r\n${i}`), '--p--');
  const capped = parseMimeMessage(many, { partsMax: 4 });
  assert.equal(capped.children.length, 3);
  assert.equal(capped.bodyEnd, many.length);
});

test('a 10,000-part message parses in one pass, quickly', () => {
  const parts = Array.from({ length: 10_000 }, (_, i) => `--b\r\nContent-Type: text/plain\r\n\r\npart ${i}`).join('\r\n');
  const buf = Buffer.from(`Content-Type: multipart/mixed; boundary=b\r\n\r\n${parts}\r\n--b--\r\n`);
  const start = performance.now();
  const root = parseMimeMessage(buf, { partsMax: 20_000 });
  const ms = performance.now() - start;
  assert.equal(root.children.length, 10_000);
  assert.equal(body(buf, root.children[9_999]!), 'part 9999');
  assert.ok(ms < 2000, `took ${ms} ms`);
});
