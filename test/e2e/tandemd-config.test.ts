// Goal: tandemd refuses a bad config or flag with a message naming the key and exit status 2, runs from a production-style config file, and refuses a second daemon on one data dir.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import nodemailer from 'nodemailer';
import { runCli } from '../support/cli-process.js';
import { DaemonProcess } from '../support/daemon-process.js';
import { freePorts } from '@tandem/testkit';

const dir = mkdtempSync(join(tmpdir(), 'tandem-config-e2e-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

async function exitOf(args: string[]): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const daemon = DaemonProcess.spawn(args);
  const { code } = await daemon.exited;
  return { code, stderr: daemon.stderr, stdout: daemon.stdout };
}

test('a bad config file: every problem named by key, exit 2, nothing listening', async () => {
  const file = join(dir, 'bad.json');
  writeFileSync(file, JSON.stringify({ dataDir: join(dir, 'bad-data'), smtp: { port: 'abc' }, tls: { certFile: '/nope.pem' } }));
  const result = await exitOf(['--config', file]);
  assert.equal(result.code, 2);
  assert.equal(result.stderr, [
    'config: smtp.port: must be an integer 1–65535, got "abc"',
    'config: tls.keyFile: required (path of the PEM private key)',
    'tandemd: not started: fix the configuration above.',
    '',
  ].join('\n'));
  assert.equal(result.stdout, '');
});

test('a bad flag value is named by its flag; an unknown flag and a missing --config are explained', async () => {
  const badPort = await exitOf(['--dev', '--data-dir', join(dir, 'flag-data'), '--smtp-port', 'abc']);
  assert.equal(badPort.code, 2);
  assert.equal(badPort.stderr.split('\n')[0], 'config: --smtp-port: must be an integer 1–65535, got "abc"');
  const unknown = await exitOf(['--dev', '--smpt-port', '25']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^tandemd: Unknown option '--smpt-port'/);
  const noConfig = await exitOf([]);
  assert.equal(noConfig.code, 2);
  assert.equal(noConfig.stderr, 'tandemd: no --config FILE given. For a local trial run `npm start` (dev mode: tandemd --dev).\n');
});

test('a production-style config file (TLS files, domains) runs; a second tandemd on the same data dir is refused', async () => {
  const pems = await generate([{ name: 'commonName', value: 'mail.corp.test' }], { keyType: 'ec', curve: 'P-256', algorithm: 'sha256' });
  writeFileSync(join(dir, 'cert.pem'), pems.cert);
  writeFileSync(join(dir, 'key.pem'), pems.private, { mode: 0o600 });
  const [smtp, submission, submissions, imap, imaps] = await freePorts(5);
  const file = join(dir, 'tandem.json');
  writeFileSync(file, JSON.stringify({
    dataDir: 'prod-data', hostname: 'mail.corp.test', listen: '127.0.0.1',
    smtp: { port: smtp, submissionPort: submission, submissionsPort: submissions, messageSizeBytesMax: 1_000_000 },
    imap: { port: imap, imapsPort: imaps },
    tls: { certFile: 'cert.pem', keyFile: 'key.pem' },
    domains: ['corp.test'], log: { level: 'warn' },
  }));
  const daemon = DaemonProcess.spawn(['--config', file]);
  try {
    const details = await daemon.ready();
    assert.equal(details.user, undefined, 'no demo user outside dev mode');
    assert.equal(details.smtp, smtp);
    const domains = await runCli(['--data-dir', join(dir, 'prod-data'), 'domain', 'list', '--json']);
    assert.deepEqual(JSON.parse(domains.stdout), [{ domain: 'corp.test', users: 0 }]);
    // STARTTLS verifies against the configured certificate (and only against it).
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: submission!, secure: false, requireTLS: true, tls: { ca: pems.cert, servername: 'mail.corp.test' } });
    assert.equal(await transport.verify(), true);
    transport.close();

    const busyDir = join(dir, 'busy-data');
    // The MX listener starts first, so the other (default) ports are never tried.
    const busy = await exitOf(['--dev', '--data-dir', busyDir, '--smtp-port', String(smtp)]);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, new RegExp(`tandemd: failed to start: SMTP mx listener on 127\\.0\\.0\\.1:${smtp}: the port is already in use \\(another tandemd or mail server\\?\\)\n$`));

    const second = await exitOf(['--config', file]);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /tandemd: failed to start: data dir .*prod-data is in use by another tandemd \(its index lock is held\); stop that one first\n$/);
  } finally {
    assert.equal((await daemon.stop()).code, 0);
  }
  assert.ok(readFileSync(join(dir, 'prod-data', 'admin.token'), 'utf8').length > 20);
});
