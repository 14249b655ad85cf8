// Goal: mail delivered over SMTP to a running tandemd shows up in another client's IMAP IDLE
// session within a second (issue 4: "Mail delivered over SMTP shows up in an IDLE session within a
// second"; RFC 2177 IDLE, RFC 9051 §7.4.1 EXISTS). Real daemon, real clients: nodemailer and imapflow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { ImapFlow } from 'imapflow';
import { DaemonProcess } from '../support/daemon-process.js';

const idleDeliveryMsMax = 1000;

test('a message sent over SMTP reaches an IDLE session within a second, with its subject and body', { timeout: 60_000 }, async (t) => {
  const { ports } = await DaemonProcess.startDev(t, 'idle-smtp', 'idle-test-pw');

  // Plain IMAP on loopback is allowed in dev mode only (DESIGN §7).
  const imap = new ImapFlow({
    host: '127.0.0.1', port: ports.imap, secure: false, doSTARTTLS: false,
    auth: { user: 'demo@example.test', pass: 'idle-test-pw' }, logger: false,
  });
  await imap.connect();
  t.after(() => imap.logout().catch(() => undefined));
  const mailbox = await imap.mailboxOpen('INBOX');
  assert.equal(mailbox.exists, 0);

  const existsSeen = new Promise<{ count: number; atMs: number }>((resolve) => {
    imap.on('exists', (info: { count: number }) => resolve({ count: info.count, atMs: performance.now() }));
  });
  const idling = imap.idle();

  const subject = `idle check ${Date.now()}`;
  const mx = nodemailer.createTransport({ host: '127.0.0.1', port: ports.smtp, secure: false, ignoreTLS: true });
  const sentAtMs = performance.now();
  const info = await mx.sendMail({
    from: 'someone@elsewhere.test', to: 'demo@example.test', subject, text: 'hello from SMTP\r\n',
  });
  assert.match(info.response, /^250 2\.0\.0 /);

  const seen = await Promise.race([
    existsSeen,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no EXISTS within 5 s')), 5000)),
  ]);
  const delayMs = seen.atMs - sentAtMs;
  assert.equal(seen.count, 1);
  assert.ok(delayMs <= idleDeliveryMsMax, `EXISTS came ${delayMs.toFixed(0)} ms after the send began`);

  // The next command ends IDLE (imapflow sends DONE first); only then does idle() resolve.
  const message = await imap.fetchOne('1', { envelope: true, source: true });
  await idling;
  assert.ok(message);
  assert.equal(message.envelope?.subject, subject);
  assert.ok(message.source?.toString('utf8').includes('hello from SMTP'));
});
