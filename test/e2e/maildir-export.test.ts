// Goal: `tandem export` writes a Maildir++ copy that Dovecot (Debian's dovecot-imapd, a real independent reader) serves as the same mail: the same folders, UIDVALIDITY, UIDs, flags and keywords, and the same bytes, as Tandem's own IMAP (DESIGN §5: no lock-in); removing the export leaves the store whole; an unknown user is refused with a clear error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { ImapFlow } from 'imapflow';
import { runCli } from '../support/cli-process.js';
import { DaemonProcess } from '../support/daemon-process.js';
import { startDovecot } from '../support/dovecot-process.js';
import { imapSnapshot as snapshot } from '../support/imap-snapshot.js';

const password = 'export-test-pw';

test('tandem export is read by Dovecot as the same mail', { timeout: 120_000 }, async (t) => {
  const { dataDir, ports } = await DaemonProcess.startDev(t, 'export', password);

  const mx = nodemailer.createTransport({ host: '127.0.0.1', port: ports.smtp, secure: false, ignoreTLS: true });
  for (let n = 1; n <= 4; n++) {
    await mx.sendMail({ from: 'someone@elsewhere.test', to: 'demo@example.test', subject: `export ${n}`, text: `body ${n}\r\nsecond line\r\n` });
  }
  // Plain IMAP on loopback is allowed in dev mode only (DESIGN §7).
  const tandem = new ImapFlow({ host: '127.0.0.1', port: ports.imap, secure: false, doSTARTTLS: false, auth: { user: 'demo@example.test', pass: password }, logger: false });
  await tandem.connect();
  t.after(() => tandem.logout().catch(() => undefined));
  await tandem.mailboxOpen('INBOX');
  await tandem.messageFlagsAdd('1', ['\\Seen'], { uid: true });
  await tandem.messageFlagsAdd('2', ['\\Flagged', '\\Answered', 'Work'], { uid: true });
  await tandem.messageFlagsAdd('3', ['\\Deleted'], { uid: true });
  await tandem.mailboxCreate(['Projects', '2026']);
  await tandem.messageCopy('4', 'Projects/2026', { uid: true });
  // Names Dovecot reads only with README's settings: a '.' inside a name, and UTF-8.
  await tandem.mailboxCreate('v1.2');
  await tandem.messageCopy('1', 'v1.2', { uid: true });
  await tandem.mailboxCreate('Reçus');
  await tandem.messageCopy('2', 'Reçus', { uid: true });
  const before = await snapshot(tandem);
  assert.ok(before.some((m) => m.path.join('/') === 'Projects/2026' && m.messages.length === 1), JSON.stringify(before.map((m) => m.path)));

  const refused = await runCli(['--data-dir', dataDir, 'export', '--user', 'nobody@example.test']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /no user nobody@example\.test/);

  const exported = await runCli(['--data-dir', dataDir, 'export', '--json']);
  assert.equal(exported.code, 0, exported.stderr);
  const summary = JSON.parse(exported.stdout) as { path: string; users: number; mailboxes: number; messages: number; vanished: number };
  assert.ok(summary.path.startsWith(join(dataDir, 'exports', 'maildir-')), summary.path);
  const messages = before.reduce((n, m) => n + m.messages.length, 0);
  assert.deepEqual({ ...summary, path: '' }, { path: '', users: 1, mailboxes: before.length, messages, vanished: 0 });
  const human = await runCli(['--data-dir', dataDir, 'export', '--user', 'demo@example.test']);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /^exported \d+ messages in \d+ mailboxes of 1 users to .*exports\/maildir-\d{8}T\d{6}Z(-2)?\n/);

  const dovecot = await startDovecot({ user: 'demo', password, copyOf: join(summary.path, 'example.test', 'demo'), tandemNames: true });
  t.after(() => dovecot.stop());
  const reader = new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, doSTARTTLS: false, auth: { user: 'demo', pass: password }, logger: false });
  await reader.connect();
  t.after(() => reader.logout().catch(() => undefined));
  assert.deepEqual(await snapshot(reader), before);

  // The export is links into the store: removing it must leave every message in place.
  rmSync(join(dataDir, 'exports'), { recursive: true });
  assert.deepEqual(await snapshot(tandem), before);
});
