// Goal: every response builder writes the exact bytes RFC 9051 and the extensions specify.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { atom } from './imap-value.js';
import {
  flagsValue, formatResponseCode, formatThread, writeCapability, writeContinuation, writeEnabled, writeEsearch,
  writeExists, writeExpunge, writeFetch, writeFlags, writeId, writeList, writeNamespace, writeQuota, writeQuotaRoot,
  writeRecent, writeSearch, writeSort, writeStatus, writeTagged, writeThread, writeUntagged, writeUntaggedStatus,
  writeVanished,
} from './response-encoder.js';
import type { ResponseWriter as Writer } from './value-encoder.js';
import { ResponseWriter } from './value-encoder.js';

const text = (f: (out: Writer) => unknown): string => {
  const out = new ResponseWriter();
  f(out);
  return out.toString();
};

test('tagged and untagged status responses, with and without codes', () => {
  assert.equal(text((o) => writeTagged(o, 'a1', 'OK', 'LOGIN completed')), 'a1 OK LOGIN completed\r\n');
  assert.equal(text((o) => writeTagged(o, 'a2', 'NO', 'Mailbox full', { code: 'OVERQUOTA' })), 'a2 NO [OVERQUOTA] Mailbox full\r\n');
  assert.equal(text((o) => writeTagged(o, 'a3', 'BAD', 'bad\r\ntext')), 'a3 BAD bad text\r\n', 'CR/LF never reach a text');
  assert.equal(text((o) => writeTagged(o, 'a4', 'NO', 'Unsupported charset', 'BADCHARSET (US-ASCII UTF-8)')),
    'a4 NO [BADCHARSET (US-ASCII UTF-8)] Unsupported charset\r\n');
  assert.equal(text((o) => writeUntaggedStatus(o, 'OK', 'Ready', { code: 'CAPABILITY', capabilities: ['IMAP4rev1', 'IDLE'] })),
    '* OK [CAPABILITY IMAP4rev1 IDLE] Ready\r\n');
  assert.equal(text((o) => writeUntaggedStatus(o, 'BYE', 'Autologout')), '* BYE Autologout\r\n');
  assert.equal(text((o) => writeContinuation(o)), '+ Ready for literal data\r\n');
  assert.equal(text((o) => writeContinuation(o, '')), '+ \r\n', 'empty SASL challenge');
});

test('response codes (RFC 9051 §7.1, RFC 4315, RFC 7162)', () => {
  assert.equal(formatResponseCode({ code: 'PERMANENTFLAGS', flags: ['\\Seen', '\\*'] }), 'PERMANENTFLAGS (\\Seen \\*)');
  assert.equal(formatResponseCode({ code: 'UIDVALIDITY', value: 3857529045 }), 'UIDVALIDITY 3857529045');
  assert.equal(formatResponseCode({ code: 'UIDNEXT', value: 4392 }), 'UIDNEXT 4392');
  assert.equal(formatResponseCode({ code: 'HIGHESTMODSEQ', modSeq: 715194045007 }), 'HIGHESTMODSEQ 715194045007');
  assert.equal(formatResponseCode({ code: 'APPENDUID', uidValidity: 38505, uids: [3955] }), 'APPENDUID 38505 3955');
  assert.equal(formatResponseCode({ code: 'COPYUID', uidValidity: 38505, sourceUids: [304, 319, 320], destinationUids: [3956, 3957, 3958] }),
    'COPYUID 38505 304,319:320 3956:3958');
  assert.equal(formatResponseCode({ code: 'MODIFIED', numbers: [7, 9] }), 'MODIFIED 7,9');
  assert.equal(formatResponseCode({ code: 'BADCHARSET', charsets: [] }), 'BADCHARSET');
  assert.equal(formatResponseCode({ code: 'READ-WRITE' }), 'READ-WRITE');
});

test('mailbox status and message responses', () => {
  assert.equal(text((o) => writeCapability(o, ['IMAP4rev1', 'LITERAL+'])), '* CAPABILITY IMAP4rev1 LITERAL+\r\n');
  assert.equal(text((o) => writeExists(o, 172)), '* 172 EXISTS\r\n');
  assert.equal(text((o) => writeRecent(o, 1)), '* 1 RECENT\r\n');
  assert.equal(text((o) => writeExpunge(o, 3)), '* 3 EXPUNGE\r\n');
  assert.equal(text((o) => writeFlags(o, ['\\Answered', '\\Seen', '$Junk'])), '* FLAGS (\\Answered \\Seen $Junk)\r\n');
  assert.equal(text((o) => writeVanished(o, [41, 42, 43, 50], true)), '* VANISHED (EARLIER) 41:43,50\r\n');
  assert.equal(text((o) => writeVanished(o, [5], false)), '* VANISHED 5\r\n');
  assert.equal(text((o) => writeEnabled(o, ['CONDSTORE'])), '* ENABLED CONDSTORE\r\n');
});

test('FETCH with flags, strings, NIL and a literal body', () => {
  const out = text((o) => writeFetch(o, 12, [
    ['UID', 4827313],
    ['FLAGS', flagsValue(['\\Seen', '$Forwarded'])],
    ['INTERNALDATE', '17-Jul-1996 02:44:25 -0700'],
    ['MODSEQ', [12121231000]],
    ['BODY[HEADER.FIELDS (Subject)]<0>', Buffer.from('Subject: hi\r\n\r\n')],
    ['ENVELOPE', [null, 'x']],
  ]));
  assert.equal(out, '* 12 FETCH (UID 4827313 FLAGS (\\Seen $Forwarded) INTERNALDATE "17-Jul-1996 02:44:25 -0700" '
    + 'MODSEQ (12121231000) BODY[HEADER.FIELDS (Subject)]<0> {15}\r\nSubject: hi\r\n\r\n ENVELOPE (NIL "x"))\r\n');
});

test('LIST / LSUB with attributes, delimiter, quoting and extended data (RFC 5258)', () => {
  assert.equal(text((o) => writeList(o, { attributes: ['\\HasNoChildren', '\\Sent'], delimiter: '/', mailbox: 'Sent Items' })),
    '* LIST (\\HasNoChildren \\Sent) "/" "Sent Items"\r\n');
  assert.equal(text((o) => writeList(o, { attributes: ['\\Noselect'], delimiter: null, mailbox: '' }, 'LSUB')),
    '* LSUB (\\Noselect) NIL ""\r\n');
  assert.equal(text((o) => writeList(o, {
    attributes: [], delimiter: '/', mailbox: 'Foo', extended: ['CHILDINFO', ['SUBSCRIBED']],
  })), '* LIST () "/" "Foo" ("CHILDINFO" ("SUBSCRIBED"))\r\n');
  assert.equal(text((o) => writeList(o, { attributes: [], delimiter: '/', mailbox: 'Entw&APw-rfe' })),
    '* LIST () "/" "Entw&APw-rfe"\r\n');
});

test('STATUS, SEARCH, ESEARCH, SORT', () => {
  assert.equal(text((o) => writeStatus(o, 'blurdybloop', [['MESSAGES', 231], ['UIDNEXT', 44292]])),
    '* STATUS "blurdybloop" (MESSAGES 231 UIDNEXT 44292)\r\n');
  assert.equal(text((o) => writeSearch(o, [2, 84, 882])), '* SEARCH 2 84 882\r\n');
  assert.equal(text((o) => writeSearch(o, [])), '* SEARCH\r\n');
  assert.equal(text((o) => writeSearch(o, [2, 10], 917162500)), '* SEARCH 2 10 (MODSEQ 917162500)\r\n');
  assert.equal(text((o) => writeSearch(o, [], 917162500)), '* SEARCH\r\n', 'no MODSEQ without results (RFC 7162 §3.1.5)');
  assert.equal(text((o) => writeEsearch(o, { tag: 'A282', uid: false, min: 2, count: 3 })), '* ESEARCH (TAG "A282") MIN 2 COUNT 3\r\n');
  assert.equal(text((o) => writeEsearch(o, { tag: 'A284', uid: true, all: [2, 10, 11] })), '* ESEARCH (TAG "A284") UID ALL 2,10:11\r\n');
  assert.equal(text((o) => writeEsearch(o, { tag: 'A285', uid: false, count: 0 })), '* ESEARCH (TAG "A285") COUNT 0\r\n');
  assert.equal(text((o) => writeSort(o, [2, 84, 882])), '* SORT 2 84 882\r\n');
});

test('THREAD trees (RFC 5256 §4 examples)', () => {
  const leaf = (id: number) => ({ id, children: [] });
  // (2)(3 6 (4 23)(44 7 96))
  const threads = [
    leaf(2),
    { id: 3, children: [{ id: 6, children: [{ id: 4, children: [leaf(23)] }, { id: 44, children: [{ id: 7, children: [leaf(96)] }] }] }] },
  ];
  assert.equal(text((o) => writeThread(o, threads)), '* THREAD (2)(3 6 (4 23)(44 7 96))\r\n');
  // A dummy parent with two children: ((3)(5))
  assert.equal(formatThread({ id: null, children: [leaf(3), leaf(5)] }), '((3)(5))');
  assert.equal(text((o) => writeThread(o, [])), '* THREAD\r\n');
});

test('ID, NAMESPACE, QUOTA, QUOTAROOT, generic untagged data', () => {
  assert.equal(text((o) => writeId(o, [['name', 'Tandem'], ['version', null]])), '* ID ("name" "Tandem" "version" NIL)\r\n');
  assert.equal(text((o) => writeId(o, null)), '* ID NIL\r\n');
  assert.equal(text((o) => writeNamespace(o, [{ prefix: '', delimiter: '/' }], [], [])), '* NAMESPACE (("" "/")) NIL NIL\r\n');
  assert.equal(text((o) => writeQuota(o, '', [{ name: 'STORAGE', usage: 10, limit: 512 }])), '* QUOTA "" (STORAGE 10 512)\r\n');
  assert.equal(text((o) => writeQuotaRoot(o, 'INBOX', [''])), '* QUOTAROOT "INBOX" ""\r\n');
  assert.equal(text((o) => writeUntagged(o, atom('OK'), 'x')), '* OK "x"\r\n');
});
