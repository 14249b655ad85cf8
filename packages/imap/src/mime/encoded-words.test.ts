// Goal: header text for SEARCH/SORT decodes RFC 2047 words (joined across white space and split characters) and 8-bit UTF-8.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeHeaderText } from './encoded-words.js';

const cases: Array<[string, string]> = [
  ['plain text', 'plain text'],
  ['=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=', 'Grüße'],
  ['=?iso-8859-1?q?J=F6rg_M=FCller?=', 'Jörg Müller'],
  ['=?UTF-8?B?5pel5pys6Kqe?=', '日本語'],
  ['=?ISO-2022-JP?B?GyRCRnxLXDhsJWEhPCVrJUYlOSVIGyhCICh0ZXN0aW5nIEph?= =?ISO-2022-JP?B?cGFuZXNlIGVtYWlscyk=?=', '日本語メールテスト (testing Japanese emails)'],
  ['=?UTF-8?Q?a?= =?UTF-8?Q?b?=', 'ab'],
  ['=?UTF-8?Q?a?= x =?UTF-8?Q?b?=', 'a x b'],
  ['Nodemailer is unicode friendly =?UTF-8?Q?=E2=9C=94?= (1476358788189)', 'Nodemailer is unicode friendly ✔ (1476358788189)'],
  // A character split across two words still decodes.
  ['=?UTF-8?Q?=E2=9C?= =?UTF-8?Q?=94?=', '✔'],
  ['=?utf-8*en?Q?hello?=', 'hello'],
  ['=?x-unknown?Q?abc?=', '=?x-unknown?Q?abc?='],
  ['=?UTF-8?X?abc?=', '=?UTF-8?X?abc?='],
  ['Gr\xc3\xbc\xc3\x9fe', 'Grüße'],
  ['Gr\xfc\xdfe', 'Grüße'],
];

for (const [raw, text] of cases) {
  test(`decodes ${JSON.stringify(raw)}`, () => {
    assert.equal(decodeHeaderText(raw), text);
  });
}

test('a long run of almost-words stays linear', () => {
  const evil = '=?'.repeat(50_000);
  const start = performance.now();
  assert.equal(decodeHeaderText(evil), evil);
  assert.ok(performance.now() - start < 1000);
});
