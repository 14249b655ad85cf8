// Goal: mailbox names that could escape the user's Maildir (or are otherwise unusable) are refused; good ones normalise as RFC 9051 §5.1 says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateMailboxName, superiorNames, isSelfOrInferior } from './mailbox-name.js';
import { maildirFolderName } from './maildir-folder.js';
import { InvalidMailboxNameError } from './store-errors.js';

const accepted: Array<[string, string]> = [
  ['INBOX', 'INBOX'],
  ['inbox', 'INBOX'],
  ['InBoX', 'INBOX'],
  ['inbox/Lists', 'INBOX/Lists'],
  ['Inboxes', 'Inboxes'],
  ['Work/2026', 'Work/2026'],
  ['Work/', 'Work'], // RFC 9051 §6.3.4 trailing delimiter
  ['v1.2', 'v1.2'],
  ['.hidden', '.hidden'],
  ['a..b', 'a..b'], // dots are escaped in the folder name, so harmless inside a level
  ['Entw\u0075\u0308rfe', 'Entwürfe'], // NFC
  ['日本語/メール', '日本語/メール'],
  ['back\\slash', 'back\\slash'],
];

const refused: Array<[string, RegExp]> = [
  ['', /empty/],
  ['/', /empty|absolute/],
  ['/etc/passwd', /absolute/],
  ['..', /not a name/],
  ['.', /not a name/],
  ['../other', /not a name/],
  ['a/../../b', /not a name/],
  ['a/./b', /not a name/],
  ['a//b', /empty hierarchy level/],
  ['Work/..', /not a name/],
  ['a\u0000b', /control/],
  ['a\nb', /control/],
  ['a\u007fb', /control/],
  ['a\u0085b', /control/],
  ['we%ird', /wildcards/],
  ['we*ird', /wildcards/],
  ['x'.repeat(256), /longer than 255 bytes/],
  [Array(17).fill('a').join('/'), /deeper than 16/],
  ['\ud800', /Unicode/],
  ['.'.repeat(90), /too long once stored/],
];

test('accepted names normalise as expected', () => {
  for (const [input, expected] of accepted) assert.equal(validateMailboxName(input), expected, JSON.stringify(input));
});

test('refused names throw InvalidMailboxNameError with the reason', () => {
  for (const [input, reason] of refused) {
    assert.throws(() => validateMailboxName(input), (err: unknown) => err instanceof InvalidMailboxNameError && reason.test(err.message), JSON.stringify(input));
  }
});

test('no accepted name maps to a folder outside the user root', () => {
  for (const [input] of accepted) {
    const folder = maildirFolderName(validateMailboxName(input));
    assert.ok(!folder.includes('/'), folder);
    assert.ok(folder === '' || (folder.startsWith('.') && folder !== '.' && folder !== '..'), folder);
  }
});

test('hierarchy helpers', () => {
  assert.deepEqual(superiorNames('a/b/c'), ['a', 'a/b']);
  assert.deepEqual(superiorNames('a'), []);
  assert.ok(isSelfOrInferior('a/b', 'a'));
  assert.ok(isSelfOrInferior('a', 'a'));
  assert.ok(!isSelfOrInferior('ab', 'a'));
});
