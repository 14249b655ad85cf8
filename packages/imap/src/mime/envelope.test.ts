// Goal: ENVELOPE follows RFC 9051 §7.5.2 for encoded words, 8-bit headers, groups, defaults, folding and broken addresses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildEnvelope } from './envelope.js';
import { parseMimeMessage } from './mime-part.js';
import { ResponseWriter } from '../wire/value-encoder.js';

function envelope(headers: string | Buffer, utf8 = false): string {
  const buf = Buffer.isBuffer(headers) ? headers : Buffer.from(headers, 'latin1');
  const root = parseMimeMessage(buf);
  return new ResponseWriter({ utf8 }).value(buildEnvelope(buf, root.header)).toBuffer().toString('latin1');
}

test('all ten fields, in order, Sender and Reply-To defaulting to From', () => {
  const env = envelope('Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\r\nSubject: IMAP4rev1 WG mtg summary\r\n'
    + 'From: Terry Gray <gray@cac.washington.edu>\r\nTo: imap@cac.washington.edu\r\n'
    + 'Cc: minutes@CNRI.Reston.VA.US, "John Klensin" <KLENSIN@MIT.EDU>\r\n'
    + 'In-Reply-To: <x@y>\r\nMessage-Id: <B27397-0100000@cac.washington.edu>\r\n\r\nbody');
  assert.equal(env, '("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev1 WG mtg summary" '
    + '(("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) '
    + '(("Terry Gray" NIL "gray" "cac.washington.edu")) ((NIL NIL "imap" "cac.washington.edu")) '
    + '((NIL NIL "minutes" "CNRI.Reston.VA.US")("John Klensin" NIL "KLENSIN" "MIT.EDU")) NIL "<x@y>" '
    + '"<B27397-0100000@cac.washington.edu>")');
});

test('no header at all gives ten NILs; an empty Sender still defaults to From', () => {
  assert.equal(envelope('\r\nbody'), '(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)');
  assert.equal(envelope('From: a@b\r\nSender:\r\nReply-To: (none)\r\n\r\n'),
    '(NIL NIL ((NIL NIL "a" "b")) ((NIL NIL "a" "b")) ((NIL NIL "a" "b")) NIL NIL NIL NIL NIL)');
});

test('encoded words are left as they are (decoding is the client\'s job)', () => {
  assert.equal(envelope('Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= und so\r\nFrom: =?ISO-8859-1?Q?J=F6rg?= <j@x.de>\r\n\r\n'),
    '(NIL "=?UTF-8?Q?Gr=C3=BC=C3=9Fe?= und so" (("=?ISO-8859-1?Q?J=F6rg?=" NIL "j" "x.de")) '
    + '(("=?ISO-8859-1?Q?J=F6rg?=" NIL "j" "x.de")) (("=?ISO-8859-1?Q?J=F6rg?=" NIL "j" "x.de")) NIL NIL NIL NIL NIL)');
});

test('8-bit header bytes pass through unchanged: literal by default, quoted UTF-8 after UTF8=ACCEPT', () => {
  const subject = Buffer.from('Grüße', 'utf8');
  const msg = Buffer.concat([Buffer.from('Subject: '), subject, Buffer.from('\r\nFrom: '), subject, Buffer.from(' <g@x>\r\n\r\n')]);
  const plain = envelope(msg);
  assert.ok(plain.startsWith(`(NIL {7}\r\n${subject.toString('latin1')} (({7}\r\n${subject.toString('latin1')} NIL "g" "x"))`), plain);
  const utf8 = Buffer.from(envelope(msg, true), 'latin1').toString('utf8');
  assert.ok(utf8.startsWith('(NIL "Grüße" (("Grüße" NIL "g" "x"))'), utf8);
  const latin1 = Buffer.from('Subject: Gr\xfc\xdfe\r\n\r\n', 'latin1');
  assert.equal(envelope(latin1, true), '(NIL {5}\r\nGr\xfc\xdfe NIL NIL NIL NIL NIL NIL NIL NIL)', 'invalid UTF-8 stays a literal');
});

test('folded fields are unfolded: line breaks removed, the white space kept (RFC 5322 §2.2.3)', () => {
  assert.equal(envelope('Subject: a long\r\n\tsubject\r\n  here\r\n\r\n'), '(NIL "a long\tsubject  here" NIL NIL NIL NIL NIL NIL NIL NIL)');
});

test('groups open with (NIL NIL name NIL) and close with (NIL NIL NIL NIL)', () => {
  assert.equal(envelope('To: undisclosed-recipients:;\r\n\r\n'),
    '(NIL NIL NIL NIL NIL ((NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL)) NIL NIL NIL NIL)');
  assert.equal(envelope('Cc: Team: a@x, "B b" <b@y>; , c@z\r\n\r\n'),
    '(NIL NIL NIL NIL NIL NIL ((NIL NIL "Team" NIL)(NIL NIL "a" "x")("B b" NIL "b" "y")(NIL NIL NIL NIL)(NIL NIL "c" "z")) NIL NIL NIL)');
});

test('the first of repeated fields counts (RFC 5322 §3.6 allows one)', () => {
  assert.equal(envelope('Subject: first\r\nSubject: second\r\n\r\n'), '(NIL "first" NIL NIL NIL NIL NIL NIL NIL NIL)');
});

test('field names match case-insensitively; a BOM before the first name hides it', () => {
  assert.equal(envelope('SUBJECT: x\r\nmessage-ID: <m@h>\r\n\r\n'), '(NIL "x" NIL NIL NIL NIL NIL NIL NIL "<m@h>")');
  assert.equal(envelope('\ufeffFrom: a@b\r\n\r\n'.replace('\ufeff', '\xef\xbb\xbf')), '(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)');
});
