// Goal: `npm start` on a fresh data dir prints connection details that work (submission with STARTTLS + AUTH delivers), within 60 s, and stops cleanly on SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { DaemonProcess } from '../support/daemon-process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tandem-npm-start-'));
test.after(() => rmSync(dataDir, { recursive: true, force: true }));

test('npm start -- --data-dir … --*-port …: prints details, mail submitted with them is delivered, SIGTERM exits 0', async () => {
  const { args, ports } = await DaemonProcess.devArgs(dataDir);
  // Exactly the README's command; npm adds --dev through the start script.
  const daemon = DaemonProcess.spawn(args.filter((a) => a !== '--dev'), { command: ['npm', 'start', '--silent', '--'] });
  try {
    const started = Date.now();
    const details = await daemon.ready(60_000);
    assert.ok(Date.now() - started < 60_000);
    assert.deepEqual([details.smtp, details.submission, details.submissions], [ports.smtp, ports.submission, ports.submissions]);
    assert.equal(details.dataDir, dataDir);
    assert.equal(details.user, 'demo@example.test');
    assert.ok(details.password && details.password.length >= 16, `a generated password is printed: ${details.password}`);

    const transport = nodemailer.createTransport({
      host: '127.0.0.1', port: details.submission, secure: false, requireTLS: true,
      tls: { rejectUnauthorized: false }, auth: { user: details.user, pass: details.password },
    });
    const info = await transport.sendMail({ from: details.user, to: details.user, subject: 'hi', text: 'hello from npm start' });
    transport.close();
    assert.match(info.response, /^250 2\.0\.0 queued as \S+$/);
    const inbox = join(dataDir, 'mail', 'example.test', 'demo', 'new');
    const files = readdirSync(inbox);
    assert.equal(files.length, 1);
    assert.match(readFileSync(join(inbox, files[0]!), 'utf8'), /hello from npm start/);
    assert.equal(statSync(join(dataDir, 'admin.sock')).mode & 0o777, 0o600);
    assert.equal(statSync(join(dataDir, 'admin.token')).mode & 0o777, 0o600);
  } finally {
    const exit = await daemon.stop();
    assert.equal(exit.code, 0, `graceful exit:\n${daemon.stderr}`);
  }
});

test('a second start on the same data dir prints the same password; --demo-password replaces it', async () => {
  const first = readFileSync(join(dataDir, 'demo-password'), 'utf8').trim();
  const { args } = await DaemonProcess.devArgs(dataDir);
  const again = DaemonProcess.spawn(args);
  try {
    assert.equal((await again.ready()).password, first);
  } finally {
    assert.equal((await again.stop()).code, 0, again.stderr);
  }
  const chosen = DaemonProcess.spawn([...args, '--demo-password', 'chosen-password-9']);
  try {
    const details = await chosen.ready();
    assert.equal(details.password, 'chosen-password-9');
    const transport = nodemailer.createTransport({
      host: '127.0.0.1', port: details.submissions, secure: true,
      tls: { rejectUnauthorized: false }, auth: { user: 'demo@example.test', pass: 'chosen-password-9' },
    });
    await transport.verify();
    transport.close();
  } finally {
    assert.equal((await chosen.stop()).code, 0);
  }
});
