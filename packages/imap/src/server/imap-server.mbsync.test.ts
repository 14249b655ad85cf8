// Goal: Debian's mbsync (isync) syncs a 1,000-message mailbox both ways: everything arrives, flags and new messages travel in both directions, and a further sync changes nothing. Skipped when mbsync is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { demoPassword, demoUser, ImapHarness, sampleMessage, testCertificate } from './imap-test-harness.js';

const mbsync = ['/usr/bin/mbsync', '/usr/local/bin/mbsync'].find((p) => existsSync(p));
const messageCount = 1000;

async function runMbsync(rc: string): Promise<void> {
  await promisify(execFile)(mbsync!, ['-q', '-c', rc, '-a'], { timeout: 60_000 });
}

/** Local Maildir files of INBOX: UID (from mbsync's ",U=" name part) → Maildir flags. */
async function localInbox(dir: string): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const sub of ['new', 'cur']) {
    for (const name of await readdir(join(dir, 'INBOX', sub))) {
      const uid = /,U=(\d+)/.exec(name)?.[1];
      out.set(uid ? Number(uid) : -1, name.slice(name.lastIndexOf(':2,') + 3));
    }
  }
  return out;
}

test('mbsync two-way sync of a 1,000-message mailbox', { skip: mbsync ? false : 'mbsync is not installed' }, async () => {
  const harness = await ImapHarness.start();
  const dir = await mkdtemp(join(tmpdir(), 'tandem-mbsync-'));
  try {
    for (let i = 0; i < messageCount; i += 250) {
      await Promise.all(Array.from({ length: Math.min(250, messageCount - i) }, (_, k) => harness.deliver(sampleMessage(i + k))));
    }
    const certFile = join(dir, 'cert.pem');
    await writeFile(certFile, (await testCertificate()).cert);
    const mail = join(dir, 'mail');
    await mkdir(mail);
    const rc = join(dir, 'mbsyncrc');
    await writeFile(rc, [
      'FSync no',
      'IMAPAccount tandem', 'Host 127.0.0.1', `Port ${harness.imapsPort}`, `User ${demoUser}`, `Pass ${demoPassword}`,
      'SSLType IMAPS', `CertificateFile ${certFile}`, '',
      'IMAPStore remote', 'Account tandem', '',
      'MaildirStore local', `Path ${mail}/`, `Inbox ${mail}/INBOX`, 'SubFolders Verbatim', '',
      'Channel sync', 'Far :remote:', 'Near :local:', 'Patterns *', 'Create Both', 'Expunge Both', 'SyncState *', '',
    ].join('\n'));

    await runMbsync(rc);
    let local = await localInbox(mail);
    assert.equal(local.size, messageCount);
    assert.deepEqual([...local.keys()].sort((a, b) => a - b), harness.store.listMessages(demoUser, 'INBOX').map((m) => m.uid));
    assert.deepEqual((await readdir(mail)).sort(), ['Archive', 'Drafts', 'INBOX', 'Junk', 'Sent', 'Trash']);

    // Near side: message 1 read, message 2 deleted, one new message; far side: message 500 flagged.
    const names = await readdir(join(mail, 'INBOX', 'new'));
    const nameOf = (uid: number): string => names.find((n) => n.includes(`,U=${uid}:`))!;
    await rename(join(mail, 'INBOX', 'new', nameOf(1)), join(mail, 'INBOX', 'cur', `${nameOf(1)}S`));
    await rename(join(mail, 'INBOX', 'new', nameOf(2)), join(mail, 'INBOX', 'cur', `${nameOf(2)}T`));
    await writeFile(join(mail, 'INBOX', 'cur', 'local-new.host:2,F'), sampleMessage(5000, { subject: 'written offline' }));
    await harness.ok({ type: 'message.store', user: demoUser, mailbox: 'INBOX', uids: [500], operation: 'add', flags: ['\\Flagged'] });

    await runMbsync(rc);
    const remote = new Map(harness.store.listMessages(demoUser, 'INBOX').map((m) => [m.uid, m.flags]));
    assert.deepEqual(remote.get(1), ['\\Seen']);
    assert.equal(remote.has(2), false, 'the message trashed locally is expunged remotely');
    const uploaded = [...remote.keys()].filter((uid) => uid > messageCount);
    assert.equal(uploaded.length, 1);
    assert.deepEqual(remote.get(uploaded[0]!), ['\\Flagged']);
    assert.match((await harness.store.readMessage(demoUser, 'INBOX', uploaded[0]!)).toString(), /Subject: written offline/);
    local = await localInbox(mail);
    assert.equal(local.get(500), 'F');
    assert.equal(local.has(2), false);
    assert.equal(local.size, messageCount);

    // A third sync finds nothing to do on either side.
    const before = { remote: harness.store.listMessages(demoUser, 'INBOX'), local };
    await runMbsync(rc);
    assert.deepEqual(harness.store.listMessages(demoUser, 'INBOX'), before.remote);
    assert.deepEqual(await localInbox(mail), before.local);
  } finally {
    await harness.close();
    await rm(dir, { recursive: true, force: true });
  }
});
