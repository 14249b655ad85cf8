// Goal: an export is a standard Maildir++ tree with flags in the names, keywords and UIDs in Dovecot's files, bytes unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportMaildir } from './export-maildir.js';
import { StoreFeeder, deliverCommand, makeTempDir } from './store-test-fixture.js';

test('export writes cur/ files with :2,<flags>, dovecot-keywords and dovecot-uidlist', async () => {
  const tmp = await makeTempDir('export');
  const f = await StoreFeeder.open(join(tmp.dir, 'data'));
  try {
    const user = await f.withDemoUser();
    for (let n = 1; n <= 3; n++) await f.ok(deliverCommand(n, user));
    await f.ok({ type: 'message.store', user, mailbox: 'INBOX', uids: [1], operation: 'add', flags: ['\\Seen', '\\Answered', 'Work'] });
    await f.ok({ type: 'message.store', user, mailbox: 'INBOX', uids: [2], operation: 'add', flags: ['\\Flagged', 'Later', 'Work'] });
    await f.ok({ type: 'mailbox.create', user, mailbox: 'v1.2/notes' });
    await f.ok({ type: 'message.copy', user, mailbox: 'INBOX', uids: [3], target: 'v1.2/notes', move: false });
    const out = join(tmp.dir, 'export');
    assert.deepEqual(await exportMaildir(f.store, out), { users: 1, mailboxes: 8, messages: 4, vanished: 0 });
    const root = join(out, 'example.test', 'demo');
    const cur = (await readdir(join(root, 'cur'))).sort();
    assert.equal(cur.length, 3);
    assert.deepEqual(cur.map((n) => n.slice(n.indexOf(':2,'))), [':2,RSa', ':2,Fab', ':2,']);
    assert.equal(await readFile(join(root, 'dovecot-keywords'), 'utf8'), '0 Work\n1 Later\n');
    const inbox = f.store.getMailbox(user, 'INBOX')!;
    const uidlist = (await readFile(join(root, 'dovecot-uidlist'), 'utf8')).split('\n');
    assert.equal(uidlist[0], `3 V${inbox.uidValidity} N${inbox.uidNext}`);
    assert.match(uidlist[1]!, /^1 :\d+\.L\d+R0\.tandem,S=\d+$/);
    assert.equal(await readFile(join(root, 'cur', cur[1]!), 'utf8'), 'Subject: message 2\r\n\r\nbody 2\r\n');
    // Dovecot's listescape spelling (lower-case hex), not the store's own .v1%2E2.notes.
    assert.deepEqual(await readdir(join(root, '.v1%2e2.notes', 'cur')).then((x) => x.length), 1);
    assert.deepEqual(await readdir(join(root, '.Sent')).then((x) => x.sort()), ['cur', 'dovecot-uidlist', 'maildirfolder', 'new', 'tmp']);
  } finally {
    await f.close();
    await tmp.remove();
  }
});

test('a message expunged while the export runs is left out and counted, not an error', async () => {
  const tmp = await makeTempDir('export-vanished');
  const f = await StoreFeeder.open(join(tmp.dir, 'data'));
  try {
    const user = await f.withDemoUser();
    for (let n = 1; n <= 3; n++) await f.ok(deliverCommand(n, user));
    // What the export saw when it listed INBOX, before messages 2 and 3 were expunged.
    const listed = f.store.listMessages(user, 'INBOX');
    const pathOf3 = f.store.messagePath(user, 'INBOX', 3);
    await f.ok({ type: 'message.store', user, mailbox: 'INBOX', uids: [2, 3], operation: 'add', flags: ['\\Deleted'] });
    await f.ok({ type: 'message.expunge', user, mailbox: 'INBOX', uids: [2, 3] });
    const reader = {
      listUsers: () => f.store.listUsers(),
      getUser: (a: string) => f.store.getUser(a),
      listMailboxes: (a: string) => f.store.listMailboxes(a),
      listMessages: (a: string, m: string) => (m === 'INBOX' ? listed : f.store.listMessages(a, m)),
      // 2: the store no longer knows the UID; 3: it gave the path before its file went.
      messagePath: (a: string, m: string, uid: number) => (uid === 3 ? pathOf3 : f.store.messagePath(a, m, uid)),
    };
    const out = join(tmp.dir, 'export');
    assert.deepEqual(await exportMaildir(reader, out), { users: 1, mailboxes: 6, messages: 1, vanished: 2 });
    const root = join(out, 'example.test', 'demo');
    assert.equal((await readdir(join(root, 'cur'))).length, 1);
    const uidlist = (await readFile(join(root, 'dovecot-uidlist'), 'utf8')).trim().split('\n');
    assert.equal(uidlist.length, 2, 'the header and message 1 only');
    assert.match(uidlist[1]!, /^1 :/);
  } finally {
    await f.close();
    await tmp.remove();
  }
});
