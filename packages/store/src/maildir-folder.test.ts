// Goal: the Maildir++ folder name mapping is exactly the documented one and reversible.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dovecotFolderName, mailboxNameFromFolder, maildirFolderName } from './maildir-folder.js';

const table: Array<[string, string]> = [
  ['INBOX', ''],
  ['Sent', '.Sent'],
  ['Work/2026', '.Work.2026'],
  ['v1.2/notes', '.v1%2E2.notes'],
  ['.hidden', '.%2Ehidden'],
  ['100%', '.100%25'],
  ['INBOX/Lists', '.INBOX.Lists'],
  ['Entwürfe', '.Entwürfe'],
];

test('names map to the documented folders and back', () => {
  for (const [name, folder] of table) {
    assert.equal(maildirFolderName(name), folder, name);
    assert.equal(mailboxNameFromFolder(folder), name, folder);
  }
});

test('folder names this mapping cannot produce are refused', () => {
  for (const bad of ['Sent', '.', '.a..b', '.a%2', '.a%41']) assert.throws(() => mailboxNameFromFolder(bad), Error, bad);
});

test("export names: Dovecot listescape's lower-case hex for '.', everything else as the store names it", () => {
  for (const [name, folder] of table) assert.equal(dovecotFolderName(name), folder.replaceAll('%2E', '%2e'), name);
  assert.equal(dovecotFolderName('%2E.x'), '.%252E%2ex', 'a literal "%2E" in a name stays escaped as the store escapes it');
});
