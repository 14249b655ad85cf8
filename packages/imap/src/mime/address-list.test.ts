// Goal: RFC 5322 address lists parse into IMAP addresses, and broken ones recover with the documented placeholders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAddressList } from './address-list.js';

const show = (value: string): string[] =>
  parseAddressList(value).map((a) => `${a.name ?? '-'}|${a.adl ?? '-'}|${a.mailbox ?? '-'}|${a.host ?? '-'}`);

const cases: Array<[string, string[]]> = [
  ['', []],
  ['   ', []],
  ['a@b.c', ['-|-|a|b.c']],
  ['Joe Q. Public <john.q.public@example.com>', ['Joe Q. Public|-|john.q.public|example.com']],
  ['"Giant; \\"Big\\" Box" <sysservices@example.net>', ['Giant; "Big" Box|-|sysservices|example.net']],
  ['<boss@nil.test>', ['-|-|boss|nil.test']],
  ['pete(his account)@silly.test(his host)', ['his host|-|pete|silly.test']],
  ['jdoe@machine.example (John Doe)', ['John Doe|-|jdoe|machine.example']],
  ['"quoted local"@x.org', ['-|-|quoted local|x.org']],
  ['<@route1,@route2:user@host>', ['-|@route1,@route2|user|host']],
  ['user@[192.0.2.1]', ['-|-|user|[192.0.2.1]']],
  ['A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;', [
    '-|-|A Group|-', 'Ed Jones|-|c|a.test', '-|-|joe|where.test', 'John|-|jdoe|one.test', '-|-|-|-',
  ]],
  ['Undisclosed recipients:;', ['-|-|Undisclosed recipients|-', '-|-|-|-']],
  ['a@b, c@d', ['-|-|a|b', '-|-|c|d']],
  ['Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>', ['Mary Smith|-|mary|x.test', '-|-|jdoe|example.org', 'Who?|-|one|y.test']],
  ['=?utf-8?Q?J=C3=B6rg?= <j@x>', ['=?utf-8?Q?J=C3=B6rg?=|-|j|x']],
  ['folded\r\n name <a@b>', ['folded name|-|a|b']],
  // Broken input: placeholders instead of NIL hosts (a NIL host would read as a group marker).
  ['localonly', ['-|-|localonly|MISSING_DOMAIN']],
  ['<Undisclosed Recipients>', ['-|-|Undisclosed|SYNTAX_ERROR']],
  ['a@b,', ['-|-|a|b']],
  ['a@b, ,c@d', ['-|-|a|b', '-|-|MISSING_MAILBOX|MISSING_DOMAIN', '-|-|c|d']],
  ['Name <a@b', ['Name|-|a|b']],
  ['<@bad route a@b>', ['-|INVALID_ROUTE|MISSING_MAILBOX|SYNTAX_ERROR']],
  ['=?x?Q?y=3E2017-08-20T10:08:28.617?=', ['-|-|=?x?Q?y=3E2017-08-20T10|-', '-|-|08|MISSING_DOMAIN', '-|-|-|-']],
  ['"unterminated <a@b>', ['-|-|MISSING_MAILBOX|MISSING_DOMAIN']],
];

for (const [value, expected] of cases) {
  test(`address list ${JSON.stringify(value)}`, () => {
    assert.deepEqual(show(value), expected);
  });
}

test('the number of addresses is bounded', () => {
  const many = Array.from({ length: 50 }, (_, i) => `u${i}@x`).join(', ');
  assert.equal(parseAddressList(many, 10).length, 10);
});

test('garbage never throws or loops (seeded)', () => {
  let state = 7;
  const rand = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const chars = 'ab@.,;:<>()"\\[] \t\r\n=?\xe9';
  for (let i = 0; i < 5000; i++) {
    let s = '';
    for (let k = Math.floor(rand() * 30); k > 0; k--) s += chars[Math.floor(rand() * chars.length)];
    assert.doesNotThrow(() => parseAddressList(s), `seed 7 case ${i}: ${JSON.stringify(s)}`);
  }
});
