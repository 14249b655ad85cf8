// Goal: BODY[section]<partial> slices the right bytes for every section form, on the RFC 2060 §6.4.5 sample structure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { applyPartial, findSectionPart, sectionBytes } from './message-section.js';
import type { SectionSpec } from './message-section.js';
import { parseMimeMessage } from './mime-part.js';

const path = fileURLToPath(new URL('../../fixtures/mime/mimekit/rfc2060.txt', import.meta.url));
const buf = Buffer.from(readFileSync(path, 'latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
const root = parseMimeMessage(buf);
const section = (spec: SectionSpec): string | null => sectionBytes(buf, root, spec)?.toString('latin1') ?? null;

test('every part number of the RFC 2060 example names its part', () => {
  for (const [part, contentStart] of [
    ['1', 'This part specifier should be: 1'],
    ['2', 'This part specifier should be: 2'],
    ['3.1', 'This part specifier should be: 3.1'],
    ['3.2', 'This part specifier should be: 3.2'],
    ['4.1', 'This part specifier should be: 4.1'],
    ['4.2.1', 'This part specifier should be: 4.2.1'],
    ['4.2.2.1', 'This part specifier should be: 4.2.2.1'],
    ['4.2.2.2', 'This part specifier should be: 4.2.2.2'],
  ] as const) {
    const text = section({ part: part.split('.').map(Number) });
    assert.ok(text?.startsWith(contentStart), `BODY[${part}] = ${JSON.stringify(text)}`);
  }
});

test('a message/rfc822 part: [3] is the whole message, [3.HEADER] its header, [3.TEXT] its body, [3.MIME] the part header', () => {
  assert.ok(section({ part: [3] })!.startsWith('From: me@myself.com\r\nTo: me@myself.com\r\nSubject: This part specifier should be: 3\r\n'));
  assert.equal(section({ part: [3], text: 'HEADER' }),
    'From: me@myself.com\r\nTo: me@myself.com\r\nSubject: This part specifier should be: 3\r\nMIME-Version: 1.0\r\n'
    + 'Content-Type: MULTIPART/MIXED; boundary="3.x"\r\n\r\n');
  assert.ok(section({ part: [3], text: 'TEXT' })!.startsWith('--3.x\r\n'));
  assert.equal(section({ part: [3], text: 'MIME' }), 'Content-Type: MESSAGE/RFC822\r\n\r\n');
  assert.equal(section({ part: [4, 2], text: 'HEADER.FIELDS', fields: ['subject'] }), 'Subject: This part specifier should be: 4.2\r\n\r\n');
});

test('top-level HEADER, TEXT, HEADER.FIELDS (NOT); field names are case-insensitive; the empty line is added', () => {
  assert.equal(section({ part: [], text: 'HEADER.FIELDS', fields: ['SUBJECT', 'to'] }),
    'To: me@myself.com\r\nSubject: Sample message structure for IMAP part specifiers\r\n\r\n');
  assert.equal(section({ part: [], text: 'HEADER.FIELDS.NOT', fields: ['Subject', 'To', 'Content-Type'] }),
    'From: me@myself.com\r\nMIME-Version: 1.0\r\n\r\n');
  assert.equal(section({ part: [], text: 'HEADER.FIELDS', fields: ['X-Absent'] }), '\r\n');
  assert.ok(section({ part: [], text: 'TEXT' })!.startsWith('--x\r\nContent-Type: TEXT/PLAIN'));
  assert.equal(section({ part: [] }), buf.toString('latin1'));
});

test('non-existent parts and HEADER/TEXT of a non-message part are null (the handler answers NIL)', () => {
  assert.equal(section({ part: [9] }), null);
  assert.equal(section({ part: [1, 2] }), null);
  assert.equal(section({ part: [1], text: 'HEADER' }), null);
  assert.equal(section({ part: [4], text: 'TEXT' }), null);
  assert.equal(section({ part: [], text: 'MIME' }), null);
});

test('a single-part message: part 1 is its body, 1.MIME its header', () => {
  const single = Buffer.from('Subject: s\r\nContent-Type: text/plain\r\n\r\nhello\r\n');
  const r = parseMimeMessage(single);
  assert.equal(findSectionPart(r, [1]), r);
  assert.equal(sectionBytes(single, r, { part: [1] })?.toString(), 'hello\r\n');
  assert.equal(sectionBytes(single, r, { part: [1], text: 'MIME' })?.toString(), 'Subject: s\r\nContent-Type: text/plain\r\n\r\n');
  assert.equal(sectionBytes(single, r, { part: [2] }), null);
});

test('partial ranges: <offset.length> clipped to the data, past the end gives ""', () => {
  const data = Buffer.from('0123456789');
  assert.equal(applyPartial(data, { offset: 2, length: 3 }).toString(), '234');
  assert.equal(applyPartial(data, { offset: 8, length: 100 }).toString(), '89');
  assert.equal(applyPartial(data, { offset: 50, length: 1 }).toString(), '');
  assert.equal(applyPartial(data, undefined), data);
});

test('sections are slices of the message buffer, not copies', () => {
  const part = sectionBytes(buf, root, { part: [1] })!;
  assert.equal(part.buffer, buf.buffer);
});
