// Goal: an admin backs up a running tandemd (`tandem backup create`, to a file or to stdout), checks the backup (a flipped byte is found), and after more mail arrived restores it with the daemon stopped (refused while it runs): the restarted daemon serves exactly the backed-up mail, every mailbox under a new, higher UIDVALIDITY (RFC 9051 §2.3.1.1: the UIDs handed out since the backup are reused), and takes new mail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { ImapFlow } from 'imapflow';
import { runCli } from '../support/cli-process.js';
import { DaemonProcess, repoRoot } from '../support/daemon-process.js';
import { imapSnapshot, type MailboxView } from '../support/imap-snapshot.js';

const password = 'backup-test-pw';

async function send(port: number, n: number): Promise<void> {
  const mx = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  await mx.sendMail({ from: 'someone@elsewhere.test', to: 'demo@example.test', subject: `backup ${n}`, text: `body ${n}\r\n` });
}

async function imap(port: number): Promise<ImapFlow> {
  // Plain IMAP on loopback is allowed in dev mode only (DESIGN §7).
  const client = new ImapFlow({ host: '127.0.0.1', port, secure: false, doSTARTTLS: false, auth: { user: 'demo@example.test', pass: password }, logger: false });
  await client.connect();
  return client;
}

/** `tandem backup create --out -` with stdout into a file (binary, as a shell redirect would). */
function backupToStdout(dataDir: string, path: string): Promise<number | null> {
  const fd = openSync(path, 'w', 0o600);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['apps/cli/bin/tandem.mjs', '--data-dir', dataDir, 'backup', 'create', '--out', '-'], { cwd: repoRoot, stdio: ['ignore', fd, 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) => { closeSync(fd); resolve(code); });
  });
}

test('backup, check, more mail, restore: the backed-up mail under new UIDVALIDITYs, and new mail goes on', { timeout: 180_000 }, async (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'tandem-backup-'));
  const dataDir = join(scratch, 'data');
  const { args, ports } = await DaemonProcess.devArgs(dataDir);
  let daemon = DaemonProcess.spawn([...args, '--demo-password', password]);
  t.after(async () => {
    await daemon.stop();
    rmSync(scratch, { recursive: true, force: true });
  });
  await daemon.ready();
  const cli = (...a: string[]): ReturnType<typeof runCli> => runCli(['--data-dir', dataDir, ...a]);

  for (let n = 1; n <= 3; n++) await send(ports.smtp, n);
  let client = await imap(ports.imap);
  await client.mailboxOpen('INBOX');
  await client.messageFlagsAdd('2', ['\\Seen', 'Work'], { uid: true });
  await client.mailboxCreate('Projects');
  await client.messageCopy('1', 'Projects', { uid: true });
  const before = await imapSnapshot(client);
  await client.logout();

  const file = join(scratch, 'mail.backup');
  const created = await cli('backup', 'create', '--out', file, '--json');
  assert.equal(created.code, 0, created.stderr);
  const made = JSON.parse(created.stdout) as { path: string; appliedIndex: number; bytes: number; sha256: string };
  assert.equal(made.path, file);
  assert.equal(statSync(file).size, made.bytes);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(scratch).filter((n) => n.endsWith('.partial')), []);
  assert.deepEqual(readdirSync(dataDir).filter((n) => n.startsWith('.snapshot-scratch-')), [], 'the daemon removed its scratch snapshot');
  await daemon.waitForStderr(new RegExp(`"appliedIndex":${made.appliedIndex},"bytes":${made.bytes},"msg":"backup: sent whole"`));
  const again = await cli('backup', 'create', '--out', file);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /exists; a backup never overwrites a file/);

  const piped = join(scratch, 'piped.backup');
  assert.equal(await backupToStdout(dataDir, piped), 0);
  const checkPiped = await cli('backup', 'check', piped, '--json');
  assert.equal(checkPiped.code, 0, checkPiped.stderr);
  assert.equal((JSON.parse(checkPiped.stdout) as { appliedIndex: number }).appliedIndex, made.appliedIndex);

  const check = await cli('backup', 'check', file);
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stdout, new RegExp(`a whole backup of applied index ${made.appliedIndex}`));
  const bytes = readFileSync(file);
  const middle = Math.floor(bytes.length / 2);
  bytes[middle] = bytes[middle]! ^ 0x20;
  writeFileSync(join(scratch, 'flipped.backup'), bytes);
  const flipped = await cli('backup', 'check', join(scratch, 'flipped.backup'));
  assert.equal(flipped.code, 1);
  assert.match(flipped.stderr, /is not a whole Tandem backup: .*checksum/);

  // The history the restore will undo: two more messages, a new folder.
  for (let n = 4; n <= 5; n++) await send(ports.smtp, n);
  client = await imap(ports.imap);
  await client.mailboxCreate('Later');
  await client.logout();

  const whileRunning = await cli('backup', 'restore', file);
  assert.equal(whileRunning.code, 1);
  assert.match(whileRunning.stderr, /tandemd is running on .*: stop it first/);
  const corruptRestore = await cli('backup', 'restore', join(scratch, 'flipped.backup'));
  assert.equal(corruptRestore.code, 1);
  assert.match(corruptRestore.stderr, /is not a whole Tandem backup/);

  await daemon.stop();
  const restored = await cli('backup', 'restore', file, '--json');
  assert.equal(restored.code, 0, restored.stderr);
  const done = JSON.parse(restored.stdout) as { snapshotIndex: number; appliedIndex: number; logMovedTo: string };
  assert.equal(done.snapshotIndex, made.appliedIndex);
  assert.ok(done.appliedIndex > made.appliedIndex + 2, `rebased to ${done.appliedIndex}`);
  assert.ok(existsSync(done.logMovedTo), 'the old log is kept aside');
  assert.ok(!existsSync(join(dataDir, 'log')));

  daemon = DaemonProcess.spawn([...args, '--demo-password', password]);
  await daemon.ready();
  client = await imap(ports.imap);
  t.after(() => client.logout().catch(() => undefined));
  const after = await imapSnapshot(client);
  const newValidity = String(done.appliedIndex);
  const expected: MailboxView[] = before.map((m) => ({ ...m, uidValidity: newValidity }));
  assert.deepEqual(after, expected);
  for (const m of before) assert.ok(Number(newValidity) > Number(m.uidValidity));

  await send(ports.smtp, 6);
  const inbox = await client.mailboxOpen('INBOX');
  assert.equal(inbox.exists, 4);
  assert.equal(String(inbox.uidValidity), newValidity);
  const newest = await client.fetchOne('*', { uid: true, envelope: true });
  assert.ok(newest);
  assert.equal(newest.uid, 4, 'UIDs go on from the backup\'s UIDNEXT, under the new UIDVALIDITY');
  assert.equal(newest.envelope?.subject, 'backup 6');
});
