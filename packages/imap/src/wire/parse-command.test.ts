// Goal: every command in scope parses to the right AST, and bad commands fail with the exact BAD reason and tag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommand } from './parse-command.js';
import { ImapParseError } from './parse-error.js';
import type { ParseOptions } from './arg-reader.js';
import type { ImapCommand } from './command-types.js';

const parse = (text: string | Buffer, options?: ParseOptions): ImapCommand =>
  parseCommand(typeof text === 'string' ? Buffer.from(text, 'latin1') : text, options);

function parseError(text: string | Buffer, options?: ParseOptions): ImapParseError {
  try {
    parse(text, options);
  } catch (err) {
    assert.ok(err instanceof ImapParseError, `expected ImapParseError, got ${String(err)}`);
    return err;
  }
  assert.fail(`expected ${JSON.stringify(text.toString())} to fail`);
}

const all = { key: 'ALL' } as const;
const seq = (start: number | '*', end: number | '*' = start) => ({ start, end });

// [command text, expected AST]
const valid: Array<[string, ImapCommand]> = [
  ['a1 CAPABILITY', { tag: 'a1', name: 'CAPABILITY' }],
  ['a2 noop', { tag: 'a2', name: 'NOOP' }],
  ['A3 LOGOUT', { tag: 'A3', name: 'LOGOUT' }],
  ['t] STARTTLS', { tag: 't]', name: 'STARTTLS' }],
  ['a CHECK', { tag: 'a', name: 'CHECK' }],
  ['a CLOSE', { tag: 'a', name: 'CLOSE' }],
  ['a UNSELECT', { tag: 'a', name: 'UNSELECT' }],
  ['a NAMESPACE', { tag: 'a', name: 'NAMESPACE' }],
  ['a IDLE', { tag: 'a', name: 'IDLE' }],
  ['a AUTHENTICATE plain', { tag: 'a', name: 'AUTHENTICATE', mechanism: 'PLAIN', initialResponse: null }],
  ['a AUTHENTICATE PLAIN AGZvbwBiYXI=', { tag: 'a', name: 'AUTHENTICATE', mechanism: 'PLAIN', initialResponse: 'AGZvbwBiYXI=' }],
  ['a AUTHENTICATE PLAIN =', { tag: 'a', name: 'AUTHENTICATE', mechanism: 'PLAIN', initialResponse: '=' }],
  ['a LOGIN joe secret', { tag: 'a', name: 'LOGIN', username: 'joe', password: 'secret' }],
  ['a LOGIN "joe@x.org" "se\\"c\\\\ret"', { tag: 'a', name: 'LOGIN', username: 'joe@x.org', password: 'se"c\\ret' }],
  ['a LOGIN {3}\r\njoe {4+}\r\np w)', { tag: 'a', name: 'LOGIN', username: 'joe', password: 'p w)' }],
  ['a ENABLE CONDSTORE utf8=accept', { tag: 'a', name: 'ENABLE', capabilities: ['CONDSTORE', 'UTF8=ACCEPT'] }],
  ['a ID NIL', { tag: 'a', name: 'ID', parameters: null }],
  ['a ID ("name" "mbsync" "version" NIL)', { tag: 'a', name: 'ID', parameters: [['name', 'mbsync'], ['version', null]] }],
  ['a ID ()', { tag: 'a', name: 'ID', parameters: [] }],
  ['a SELECT inbox', { tag: 'a', name: 'SELECT', mailbox: 'INBOX', condstore: false, qresync: null }],
  ['a EXAMINE "Entw&APw-rfe"', { tag: 'a', name: 'EXAMINE', mailbox: 'Entw&APw-rfe', condstore: false, qresync: null }],
  ['a SELECT INBOX (CONDSTORE)', { tag: 'a', name: 'SELECT', mailbox: 'INBOX', condstore: true, qresync: null }],
  // RFC 7162 §3.2.5.2 example (its mod-sequence is above 2^53 and is kept as the nearest double).
  ['A02 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))', {
    tag: 'A02', name: 'SELECT', mailbox: 'INBOX', condstore: true,
    qresync: { uidValidity: 67890007, modSeq: 20050715194045000, knownUids: { kind: 'uid', ranges: [seq(41), seq(43, 211), seq(214, 541)] }, seqMatch: null },
  }],
  ['B04 SELECT INBOX (QRESYNC (67890007 90060115194045000 1:29997 (5000,7500,9000,9990:9999 15000,22500,27000,29970,29973,29976:29979)))', {
    tag: 'B04', name: 'SELECT', mailbox: 'INBOX', condstore: true,
    qresync: {
      uidValidity: 67890007, modSeq: 90060115194045000, knownUids: { kind: 'uid', ranges: [seq(1, 29997)] },
      seqMatch: {
        seqs: { kind: 'seq', ranges: [seq(5000), seq(7500), seq(9000), seq(9990, 9999)] },
        uids: { kind: 'uid', ranges: [seq(15000), seq(22500), seq(27000), seq(29970), seq(29973), seq(29976, 29979)] },
      },
    },
  }],
  ['a SELECT x (QRESYNC (1 2 (3 4)))', {
    tag: 'a', name: 'SELECT', mailbox: 'x', condstore: true,
    qresync: { uidValidity: 1, modSeq: 2, knownUids: null, seqMatch: { seqs: { kind: 'seq', ranges: [seq(3)] }, uids: { kind: 'uid', ranges: [seq(4)] } } },
  }],
  ['a CREATE Drafts/', { tag: 'a', name: 'CREATE', mailbox: 'Drafts/', specialUse: [] }],
  ['a CREATE MyDrafts (USE (\\Drafts \\Sent))', { tag: 'a', name: 'CREATE', mailbox: 'MyDrafts', specialUse: ['\\Drafts', '\\Sent'] }],
  ['a DELETE "old box"', { tag: 'a', name: 'DELETE', mailbox: 'old box' }],
  ['a SUBSCRIBE news', { tag: 'a', name: 'SUBSCRIBE', mailbox: 'news' }],
  ['a UNSUBSCRIBE Inbox', { tag: 'a', name: 'UNSUBSCRIBE', mailbox: 'INBOX' }],
  ['a RENAME a/b "c d"', { tag: 'a', name: 'RENAME', mailbox: 'a/b', newMailbox: 'c d' }],
  ['a LIST "" *', {
    tag: 'a', name: 'LIST', reference: '', patterns: ['*'], extended: false,
    selection: { subscribed: false, remote: false, recursiveMatch: false, specialUse: false },
    returnOptions: { subscribed: false, children: false, specialUse: false, status: null },
  }],
  ['a LIST ~/Mail/ %]x', {
    tag: 'a', name: 'LIST', reference: '~/Mail/', patterns: ['%]x'], extended: false,
    selection: { subscribed: false, remote: false, recursiveMatch: false, specialUse: false },
    returnOptions: { subscribed: false, children: false, specialUse: false, status: null },
  }],
  ['a LIST (SUBSCRIBED RECURSIVEMATCH) "" ("INBOX" %) RETURN (CHILDREN STATUS (MESSAGES UNSEEN) SPECIAL-USE)', {
    tag: 'a', name: 'LIST', reference: '', patterns: ['INBOX', '%'], extended: true,
    selection: { subscribed: true, remote: false, recursiveMatch: true, specialUse: false },
    returnOptions: { subscribed: true, children: true, specialUse: true, status: ['MESSAGES', 'UNSEEN'] },
  }],
  ['a LIST (SPECIAL-USE) "" *', {
    tag: 'a', name: 'LIST', reference: '', patterns: ['*'], extended: true,
    selection: { subscribed: false, remote: false, recursiveMatch: false, specialUse: true },
    returnOptions: { subscribed: false, children: false, specialUse: false, status: null },
  }],
  ['a LSUB "" news/*', { tag: 'a', name: 'LSUB', reference: '', pattern: 'news/*' }],
  ['a STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ SIZE DELETED APPENDLIMIT)', {
    tag: 'a', name: 'STATUS', mailbox: 'INBOX',
    items: ['MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'HIGHESTMODSEQ', 'SIZE', 'DELETED', 'APPENDLIMIT'],
  }],
  ['a EXPUNGE', { tag: 'a', name: 'EXPUNGE', uids: null }],
  ['a UID EXPUNGE 3:5,9', { tag: 'a', name: 'EXPUNGE', uids: { kind: 'uid', ranges: [seq(3, 5), seq(9)] } }],
  ['a COPY 2:4 Trash', { tag: 'a', name: 'COPY', set: { kind: 'seq', ranges: [seq(2, 4)] }, mailbox: 'Trash' }],
  ['a UID MOVE 10:* "Junk"', { tag: 'a', name: 'MOVE', set: { kind: 'uid', ranges: [seq(10, '*')] }, mailbox: 'Junk' }],
  ['a MOVE $ Archive', { tag: 'a', name: 'MOVE', set: { kind: 'saved', numbering: 'seq' }, mailbox: 'Archive' }],
  ['a STORE 1 FLAGS (\\seen)', {
    tag: 'a', name: 'STORE', set: { kind: 'seq', ranges: [seq(1)] }, operation: 'replace', silent: false, flags: ['\\Seen'], unchangedSince: null,
  }],
  ['a UID STORE 1:* -FLAGS.SILENT \\Deleted $Junk', {
    tag: 'a', name: 'STORE', set: { kind: 'uid', ranges: [seq(1, '*')] }, operation: 'remove', silent: true, flags: ['\\Deleted', '$Junk'], unchangedSince: null,
  }],
  ['a STORE 7 (UNCHANGEDSINCE 12121230045) +FLAGS.SILENT (\\Flagged)', {
    tag: 'a', name: 'STORE', set: { kind: 'seq', ranges: [seq(7)] }, operation: 'add', silent: true, flags: ['\\Flagged'], unchangedSince: 12121230045,
  }],
  ['a STORE 1 FLAGS ()', {
    tag: 'a', name: 'STORE', set: { kind: 'seq', ranges: [seq(1)] }, operation: 'replace', silent: false, flags: [], unchangedSince: null,
  }],
  ['a GETQUOTA ""', { tag: 'a', name: 'GETQUOTA', root: '' }],
  ['a GETQUOTAROOT INBOX', { tag: 'a', name: 'GETQUOTAROOT', mailbox: 'INBOX' }],
  ['a SETQUOTA "" (STORAGE 512 message 1000)', {
    tag: 'a', name: 'SETQUOTA', root: '', limits: [{ resource: 'STORAGE', limit: 512 }, { resource: 'MESSAGE', limit: 1000 }],
  }],
  ['a SORT (REVERSE ARRIVAL subject DISPLAYFROM) UTF-8 ALL UNSEEN', {
    tag: 'a', name: 'SORT', numbering: 'seq', charset: 'UTF-8',
    criteria: [{ key: 'ARRIVAL', reverse: true }, { key: 'SUBJECT', reverse: false }, { key: 'DISPLAYFROM', reverse: false }],
    search: [all, { key: 'UNSEEN' }],
  }],
  ['a UID THREAD REFERENCES US-ASCII SINCE 1-Feb-1994', {
    tag: 'a', name: 'THREAD', numbering: 'uid', algorithm: 'REFERENCES', charset: 'US-ASCII',
    search: [{ key: 'SINCE', date: { year: 1994, month: 2, day: 1 } }],
  }],
];

for (const [text, expected] of valid) {
  test(`parses ${JSON.stringify(text)}`, () => {
    assert.deepEqual(parse(text), expected);
  });
}

test('APPEND with flags, date-time, MULTIAPPEND, literal8 and UTF8 (RFC 3502, 3516, 6855)', () => {
  const cmd = parse('a APPEND saved-messages (\\Seen $Work) " 7-Feb-1994 21:52:25 -0800" {5}\r\nHello {3+}\r\nabc ~{2}\r\nx\0 UTF8 (~{3}\r\nabc)');
  assert.equal(cmd.name, 'APPEND');
  if (cmd.name !== 'APPEND') return;
  assert.equal(cmd.mailbox, 'saved-messages');
  assert.equal(cmd.messages.length, 4);
  assert.deepEqual(cmd.messages[0]!.flags, ['\\Seen', '$Work']);
  assert.deepEqual(cmd.messages[0]!.internalDate, { epochMs: Date.UTC(1994, 1, 8, 5, 52, 25), zoneMinutes: -480 });
  assert.equal(cmd.messages[0]!.content.toString(), 'Hello');
  assert.deepEqual(cmd.messages.map((m) => [m.content.toString('latin1'), m.binary, m.utf8]), [
    ['Hello', false, false], ['abc', false, false], ['x\0', true, false], ['abc', true, true],
  ]);
  assert.deepEqual(cmd.messages[1]!.flags, []);
  assert.equal(cmd.messages[1]!.internalDate, null);
});

test('FETCH: macros expand, every attribute parses, labels keep their section', () => {
  assert.deepEqual(parse('a FETCH 1 fast'), {
    tag: 'a', name: 'FETCH', set: { kind: 'seq', ranges: [seq(1)] }, changedSince: null, vanished: false,
    items: [{ item: 'FLAGS' }, { item: 'INTERNALDATE' }, { item: 'RFC822.SIZE' }],
  });
  const full = parse('a FETCH 1:2 FULL');
  assert.ok(full.name === 'FETCH' && full.items.map((i) => i.item).join(' ') === 'FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY');
  const cmd = parse('a UID FETCH 1:*,7 (ENVELOPE FLAGS INTERNALDATE RFC822 RFC822.HEADER RFC822.SIZE RFC822.TEXT BODY BODYSTRUCTURE UID MODSEQ '
    + 'BODY[] BODY.PEEK[1.2.MIME] body[1.HEADER.FIELDS.NOT (X-Foo "Bar Baz")]<5.10> BODY[TEXT] BODY[2.3] BODY[HEADER.FIELDS (From To)] '
    + 'BINARY[] BINARY.PEEK[1]<0.100> BINARY.SIZE[2.1]) (CHANGEDSINCE 12345 VANISHED)');
  assert.ok(cmd.name === 'FETCH');
  if (cmd.name !== 'FETCH') return;
  assert.deepEqual(cmd.set, { kind: 'uid', ranges: [seq(1, '*'), seq(7)] });
  assert.equal(cmd.changedSince, 12345);
  assert.equal(cmd.vanished, true);
  assert.deepEqual(cmd.items.slice(11), [
    { item: 'BODY[]', section: { part: [] }, peek: false },
    { item: 'BODY[]', section: { part: [1, 2], text: 'MIME' }, peek: true },
    { item: 'BODY[]', section: { part: [1], text: 'HEADER.FIELDS.NOT', fields: ['X-Foo', 'Bar Baz'] }, peek: false, partial: { offset: 5, length: 10 } },
    { item: 'BODY[]', section: { part: [], text: 'TEXT' }, peek: false },
    { item: 'BODY[]', section: { part: [2, 3] }, peek: false },
    { item: 'BODY[]', section: { part: [], text: 'HEADER.FIELDS', fields: ['From', 'To'] }, peek: false },
    { item: 'BINARY[]', part: [], peek: false },
    { item: 'BINARY[]', part: [1], peek: true, partial: { offset: 0, length: 100 } },
    { item: 'BINARY.SIZE', part: [2, 1] },
  ]);
  assert.deepEqual(cmd.items.slice(0, 11).map((i) => i.item), [
    'ENVELOPE', 'FLAGS', 'INTERNALDATE', 'RFC822', 'RFC822.HEADER', 'RFC822.SIZE', 'RFC822.TEXT', 'BODY', 'BODYSTRUCTURE', 'UID', 'MODSEQ',
  ]);
});

test('SEARCH: every RFC 3501 §6.4.4 key, MODSEQ, nesting and sequence sets', () => {
  const cmd = parse('a SEARCH ALL ANSWERED BCC b BEFORE 1-Feb-2024 BODY "x y" CC c DELETED DRAFT FLAGGED FROM f '
    + 'HEADER X-Spam yes KEYWORD $Junk LARGER 100 NEW NOT SEEN OLD ON "2-Mar-2023" OR TO t (SUBJECT s TEXT {3}\r\nabc) '
    + 'RECENT SEEN SENTBEFORE 1-Jan-2020 SENTON 2-Jan-2020 SENTSINCE 3-Jan-2020 SINCE 4-Jan-2020 SMALLER 9 '
    + 'SUBJECT subj TEXT txt TO to UID 1:5 UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNKEYWORD $Seen UNSEEN 2,4:* $ '
    + 'MODSEQ 5 MODSEQ "/flags/\\\\draft" priv 6');
  assert.ok(cmd.name === 'SEARCH');
  if (cmd.name !== 'SEARCH') return;
  assert.equal(cmd.charset, null);
  assert.equal(cmd.returnOptions, null);
  assert.equal(cmd.numbering, 'seq');
  assert.deepEqual(cmd.criteria, [
    all, { key: 'ANSWERED' }, { key: 'BCC', value: 'b' }, { key: 'BEFORE', date: { year: 2024, month: 2, day: 1 } },
    { key: 'BODY', value: 'x y' }, { key: 'CC', value: 'c' }, { key: 'DELETED' }, { key: 'DRAFT' }, { key: 'FLAGGED' },
    { key: 'FROM', value: 'f' }, { key: 'HEADER', field: 'X-Spam', value: 'yes' }, { key: 'KEYWORD', flag: '$Junk' },
    { key: 'LARGER', size: 100 }, { key: 'NEW' }, { key: 'NOT', operand: { key: 'SEEN' } }, { key: 'OLD' },
    { key: 'ON', date: { year: 2023, month: 3, day: 2 } },
    { key: 'OR', left: { key: 'TO', value: 't' }, right: { key: 'AND', operands: [{ key: 'SUBJECT', value: 's' }, { key: 'TEXT', value: 'abc' }] } },
    { key: 'RECENT' }, { key: 'SEEN' }, { key: 'SENTBEFORE', date: { year: 2020, month: 1, day: 1 } },
    { key: 'SENTON', date: { year: 2020, month: 1, day: 2 } }, { key: 'SENTSINCE', date: { year: 2020, month: 1, day: 3 } },
    { key: 'SINCE', date: { year: 2020, month: 1, day: 4 } }, { key: 'SMALLER', size: 9 }, { key: 'SUBJECT', value: 'subj' },
    { key: 'TEXT', value: 'txt' }, { key: 'TO', value: 'to' }, { key: 'UID', set: { kind: 'uid', ranges: [seq(1, 5)] } },
    { key: 'UNANSWERED' }, { key: 'UNDELETED' }, { key: 'UNDRAFT' }, { key: 'UNFLAGGED' }, { key: 'UNKEYWORD', flag: '$Seen' },
    { key: 'UNSEEN' }, { key: 'SEQUENCE', set: { kind: 'seq', ranges: [seq(2), seq(4, '*')] } },
    { key: 'SEQUENCE', set: { kind: 'saved', numbering: 'seq' } },
    { key: 'MODSEQ', modSeq: 5 }, { key: 'MODSEQ', modSeq: 6, entry: { name: '/flags/\\draft', type: 'priv' } },
  ]);
});

test('SEARCH: RETURN options (RFC 4731), CHARSET decoding, UID SEARCH', () => {
  assert.deepEqual(parse('a UID SEARCH RETURN () CHARSET utf-8 ALL'), {
    tag: 'a', name: 'SEARCH', numbering: 'uid', charset: 'UTF-8', criteria: [all], returnOptions: ['ALL'],
  });
  assert.deepEqual(parse('a SEARCH RETURN (MIN MAX COUNT SAVE) (SEEN)'), {
    tag: 'a', name: 'SEARCH', numbering: 'seq', charset: null, criteria: [{ key: 'SEEN' }], returnOptions: ['MIN', 'MAX', 'COUNT', 'SAVE'],
  });
  const latin1 = Buffer.concat([Buffer.from('a SEARCH CHARSET ISO-8859-1 SUBJECT {4}\r\n', 'latin1'), Buffer.from([0x47, 0x72, 0xfc, 0xdf])]);
  const cmd = parse(latin1);
  assert.ok(cmd.name === 'SEARCH' && cmd.criteria[0]!.key === 'SUBJECT');
  assert.deepEqual(cmd.criteria[0], { key: 'SUBJECT', value: 'Grüß' });
  const utf8 = parse(Buffer.from('a SEARCH SUBJECT "Grüß"', 'utf8'), { utf8: true });
  assert.ok(utf8.name === 'SEARCH');
  assert.deepEqual(utf8.criteria[0], { key: 'SUBJECT', value: 'Grüß' });
});

// [command text, tag in the error (null: untagged), exact reason]
const invalid: Array<[string, string | null, string]> = [
  ['', null, 'Missing tag'],
  [' NOOP', null, 'Missing tag'],
  ['+a NOOP', null, 'Invalid tag'],
  ['a{ NOOP', null, 'Invalid tag'],
  ['a1', 'a1', 'Missing command name'],
  ['a1 ', 'a1', 'Missing command name'],
  ['a1  NOOP', 'a1', 'Expected command name'],
  ['a1 FOO', 'a1', 'Unknown command: FOO'],
  ['a1 UID NOOP', 'a1', 'UID NOOP is not a command'],
  ['a1 NOOP extra', 'a1', 'Unexpected arguments at the end of the command'],
  ['a1 NOOP ', 'a1', 'Trailing space at the end of the command'],
  ['a1 LOGIN user', 'a1', 'Missing password'],
  ['a1 LOGIN "user pass', 'a1', 'Unterminated quoted string'],
  ['a1 LOGIN "a\\x" b', 'a1', 'Invalid escape in quoted string'],
  ['a1 LOGIN "ä" b', 'a1', '8-bit data in quoted string (use a literal)'],
  ['a1 LOGIN {5}\r\nab', 'a1', 'Literal data is shorter than its size'],
  ['a1 LOGIN {2}x\r\nab c', 'a1', 'Expected CRLF after literal size'],
  ['a1 LOGIN {x}\r\nab c', 'a1', 'Invalid literal size'],
  ['a1 LOGIN {2}\nab c', 'a1', 'Expected CRLF after literal size'],
  ['a1 LOGIN ~{2}\r\nab c', 'a1', 'literal8 is only allowed in APPEND'],
  ['a1 SELECT', 'a1', 'Missing mailbox name'],
  ['a1 SELECT INBOX ()', 'a1', 'Empty select parameter list'],
  ['a1 SELECT INBOX (FOO)', 'a1', 'Unknown select parameter: FOO'],
  ['a1 SELECT INBOX (QRESYNC (0 1))', 'a1', 'QRESYNC UIDVALIDITY must not be zero'],
  ['a1 SELECT INBOX (QRESYNC (1 99999999999999999999))', 'a1', 'QRESYNC mod-sequence is too large'],
  ['a1 CREATE foo (BAR)', 'a1', 'Unknown CREATE parameter: BAR'],
  ['a1 CREATE foo (USE (Drafts))', 'a1', 'Special-use attributes start with "\\"'],
  ['a1 RENAME a', 'a1', 'Missing new mailbox name'],
  ['a1 LIST ""', 'a1', 'Missing mailbox pattern'],
  ['a1 LIST (RECURSIVEMATCH) "" *', 'a1', 'RECURSIVEMATCH needs another selection option'],
  ['a1 LIST (FOO) "" *', 'a1', 'Unknown LIST selection option: FOO'],
  ['a1 LIST "" * RETURN (FOO)', 'a1', 'Unknown LIST return option: FOO'],
  ['a1 LIST "" * FOO', 'a1', 'Expected RETURN after the mailbox pattern'],
  ['a1 LIST "" ()', 'a1', 'Empty mailbox pattern list'],
  ['a1 STATUS INBOX ()', 'a1', 'Empty status item list'],
  ['a1 STATUS INBOX (FOO)', 'a1', 'Unknown status item: FOO'],
  ['a1 STATUS INBOX MESSAGES', 'a1', 'Expected "(" to start status items'],
  ['a1 APPEND INBOX', 'a1', 'Missing message literal'],
  ['a1 APPEND INBOX (\\Seen) hello', 'a1', 'Expected the message as a literal'],
  ['a1 APPEND INBOX "bad" {1}\r\nx', 'a1', 'Invalid date-time for APPEND date-time: expected e.g. "01-Feb-2024 13:05:00 +0100"'],
  ['a1 APPEND INBOX "31-Feb-2024 00:00:00 +0000" {1}\r\nx', 'a1', 'Invalid date-time for APPEND date-time: expected e.g. "01-Feb-2024 13:05:00 +0100"'],
  ['a1 APPEND INBOX {1}\r\n\0', 'a1', 'NUL in literal (use literal8)'],
  ['a1 APPEND INBOX (\\Recent) {1}\r\nx', 'a1', '\\Recent cannot be set by a client'],
  ['a1 APPEND INBOX {1}\r\nx extra', 'a1', 'Expected the message as a literal'],
  ['a1 EXPUNGE 1', 'a1', 'Unexpected arguments at the end of the command'],
  ['a1 UID EXPUNGE', 'a1', 'Missing UID set'],
  ['a1 FETCH', 'a1', 'Missing sequence set'],
  ['a1 FETCH 0 FLAGS', 'a1', 'Invalid sequence set: 0 is not a message number'],
  ['a1 FETCH 1:x FLAGS', 'a1', 'Invalid sequence set'],
  ['a1 FETCH 1,,2 FLAGS', 'a1', 'Invalid sequence set'],
  ['a1 FETCH 99999999999 FLAGS', 'a1', 'Sequence number is too large'],
  ['a1 FETCH 1', 'a1', 'Missing fetch attributes'],
  ['a1 FETCH 1 (FLAGS', 'a1', 'Missing ")" to end fetch attributes'],
  ['a1 FETCH 1 ()', 'a1', 'Empty fetch attribute list'],
  ['a1 FETCH 1 FOO', 'a1', 'Unknown fetch attribute: FOO'],
  ['a1 FETCH 1 (FLAGS ALL)', 'a1', 'ALL must be used alone, not in a list'],
  ['a1 FETCH 1 BODY.PEEK', 'a1', 'BODY.PEEK needs a section, e.g. BODY.PEEK[]'],
  ['a1 FETCH 1 FLAGS[]', 'a1', 'FLAGS does not take a section'],
  ['a1 FETCH 1 BODY[1.MIME', 'a1', 'Missing "]" to end the section'],
  ['a1 FETCH 1 BODY[MIME]', 'a1', 'MIME needs a section part, e.g. BODY[1.MIME]'],
  ['a1 FETCH 1 BODY[0]', 'a1', 'Section part number must not be zero'],
  ['a1 FETCH 1 BODY[FOO]', 'a1', 'Unknown section text: FOO'],
  ['a1 FETCH 1 BODY[HEADER.FIELDS ()]', 'a1', 'Empty header field list'],
  ['a1 FETCH 1 BODY[HEADER.FIELDS]', 'a1', 'Expected a space before header field list'],
  ['a1 FETCH 1 BODY[]<0.0>', 'a1', 'Partial length must not be zero'],
  ['a1 FETCH 1 BODY[]<5>', 'a1', 'Expected "." in partial range'],
  ['a1 FETCH 1 BINARY[TEXT]', 'a1', 'BINARY sections are part numbers only'],
  ['a1 FETCH 1 FLAGS (VANISHED)', 'a1', 'VANISHED is only allowed in UID FETCH'],
  ['a1 UID FETCH 1 FLAGS (VANISHED)', 'a1', 'VANISHED requires CHANGEDSINCE'],
  ['a1 FETCH 1 FLAGS (CHANGEDSINCE 0)', 'a1', 'CHANGEDSINCE mod-sequence must not be zero'],
  ['a1 FETCH 1 FLAGS (FOO)', 'a1', 'Unknown fetch modifier: FOO'],
  ['a1 STORE 1 FLAGS \\Recent', 'a1', '\\Recent cannot be set by a client'],
  ['a1 STORE 1 XFLAGS (\\Seen)', 'a1', 'Expected FLAGS or FLAGS.SILENT, not XFLAGS'],
  ['a1 STORE 1 (FOO 1) FLAGS (\\Seen)', 'a1', 'Unknown store modifier: FOO'],
  ['a1 STORE 1 FLAGS', 'a1', 'Missing flags'],
  ['a1 STORE 1 FLAGS (\\Seen', 'a1', 'Missing ")" to end flag list'],
  ['a1 COPY 1', 'a1', 'Missing mailbox name'],
  ['a1 SEARCH', 'a1', 'Missing search criteria'],
  ['a1 SEARCH FOO', 'a1', 'Unknown search key: FOO'],
  ['a1 SEARCH BEFORE 32-Jan-2024', 'a1', 'Invalid date for BEFORE date: expected e.g. 1-Feb-2024'],
  ['a1 SEARCH NOT', 'a1', 'Missing search key after NOT'],
  ['a1 SEARCH OR SEEN', 'a1', 'Missing second search key of OR'],
  ['a1 SEARCH ()', 'a1', 'Empty search key list'],
  ['a1 SEARCH LARGER x', 'a1', 'Expected a number for LARGER size'],
  ['a1 SEARCH RETURN (FOO) ALL', 'a1', 'Unknown RETURN option: FOO'],
  ['a1 SEARCH MODSEQ "/x" all 1', 'a1', 'MODSEQ entry name must start with "/flags/"'],
  ['a1 SEARCH MODSEQ "/flags/x" every 1', 'a1', 'MODSEQ entry type must be priv, shared or all'],
  [`a1 SEARCH ${'NOT '.repeat(100)}ALL`, 'a1', 'Nested too deeply'],
  [`a1 SEARCH ${'('.repeat(100)}ALL${')'.repeat(100)}`, 'a1', 'Nested too deeply'],
  ['a1 SORT (FOO) UTF-8 ALL', 'a1', 'Unknown sort key: FOO'],
  ['a1 SORT () UTF-8 ALL', 'a1', 'Empty sort criteria'],
  ['a1 SORT (DATE) ALL', 'a1', 'Missing search criteria'],
  ['a1 THREAD XYZ UTF-8 ALL', 'a1', 'Unsupported threading algorithm: XYZ'],
  ['a1 ID ("a")', 'a1', 'Expected a space before ID value'],
  ['a1 ID (a b)', 'a1', 'Expected a quoted string or literal for ID field'],
  ['a1 ID FOO', 'a1', 'Expected an ID parameter list or NIL'],
  ['a1 AUTHENTICATE PLAIN !!!', 'a1', 'Initial response is not base64'],
  ['a1 ENABLE', 'a1', 'Missing capability'],
  ['a1 SETQUOTA "" (STORAGE)', 'a1', 'Expected a space before quota limit'],
];

for (const [text, tag, reason] of invalid) {
  test(`rejects ${JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}...` : text)}: ${reason}`, () => {
    const err = parseError(text);
    assert.equal(err.reason, reason);
    assert.equal(err.tag, tag);
    assert.equal(err.status, 'BAD');
  });
}

test('an unsupported SEARCH charset is NO [BADCHARSET], not BAD (RFC 9051 §6.4.4)', () => {
  const err = parseError('a1 SEARCH CHARSET KLINGON ALL');
  assert.equal(err.status, 'NO');
  assert.equal(err.code, 'BADCHARSET (US-ASCII UTF-8)');
  assert.equal(err.reason, 'Unsupported charset: KLINGON');
  assert.equal(err.tag, 'a1');
});

test('UTF-8 in quoted strings needs UTF8=ACCEPT and must be valid (RFC 6855 §3)', () => {
  const cmd = parse(Buffer.from('a SELECT "Entwürfe"', 'utf8'), { utf8: true });
  assert.deepEqual(cmd, { tag: 'a', name: 'SELECT', mailbox: 'Entwürfe', condstore: false, qresync: null });
  assert.equal(parseError(Buffer.from('a SELECT "Entwürfe"', 'utf8')).reason, '8-bit data in quoted string (use a literal)');
  const broken = Buffer.concat([Buffer.from('a SELECT "x'), Buffer.from([0xc3, 0x28]), Buffer.from('"')]);
  assert.equal(parseError(broken, { utf8: true }).reason, 'Invalid UTF-8 in quoted string');
});

test('unknown commands are echoed safely in the reason', () => {
  const err = parseError(Buffer.from(`a X${'Y'.repeat(100)}\x01`, 'latin1'));
  assert.equal(err.reason, `Unknown command: X${'Y'.repeat(39)}...`);
});
