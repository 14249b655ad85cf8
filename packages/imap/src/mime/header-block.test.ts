// Goal: header sections are located by offsets: folding, missing colons, bare LF, EOF and boundary cut-offs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldName, fieldValue, findField, headerValue, parseHeaderBlock } from './header-block.js';

test('fields with folding; the empty line ends the section and belongs to it', () => {
  const buf = Buffer.from('Subject: a\r\n b\r\nX-Empty:\r\nTo : x@y\r\n\r\nbody');
  const block = parseHeaderBlock(buf, 0);
  assert.equal(block.terminator, 'empty-line');
  assert.equal(buf.toString('latin1', block.end), 'body');
  assert.deepEqual(block.fields.map((f) => [fieldName(buf, f), fieldValue(buf, f)]), [['Subject', 'a b'], ['X-Empty', ''], ['To', 'x@y']]);
  assert.equal(buf.toString('latin1', block.fields[0]!.start, block.fields[0]!.end), 'Subject: a\r\n b\r\n');
  assert.equal(headerValue(buf, block, 'to'), 'x@y');
  assert.equal(findField(buf, block, 'cc'), undefined);
});

test('a line without a colon is a field with an empty value; bare LF works', () => {
  const buf = Buffer.from('From - Mon\nSubject: s\n\nbody');
  const block = parseHeaderBlock(buf, 0);
  assert.deepEqual(block.fields.map((f) => [fieldName(buf, f), fieldValue(buf, f)]), [['From - Mon', ''], ['Subject', 's']]);
  assert.equal(buf.toString('latin1', block.end), 'body');
});

test('the end of the data ends the section', () => {
  const buf = Buffer.from('Subject: s\r\nTo: t');
  const block = parseHeaderBlock(buf, 0);
  assert.equal(block.terminator, 'eof');
  assert.equal(block.end, buf.length);
  assert.equal(headerValue(buf, block, 'to'), 't');
});

test('a boundary line stops the section; the line break before it is not part of the header', () => {
  const buf = Buffer.from('X: 1\r\n--b\r\nrest');
  const block = parseHeaderBlock(buf, 0, buf.length, (at) => buf.toString('latin1', at, at + 3) === '--b');
  assert.equal(block.terminator, 'boundary');
  assert.equal(block.end, 4);
  assert.equal(block.fields[0]!.end, 4);
});
