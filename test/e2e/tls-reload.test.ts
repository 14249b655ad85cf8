// Goal: a renewed certificate is taken without a restart, on SIGHUP (systemctl reload) or `tandem tls reload`: every new SMTP and IMAP connection, implicit TLS and STARTTLS alike, gets it (and `tandem status` names it), and a session opened before goes on; a key that does not belong to the certificate is refused with that reason (in the log, and by the CLI with exit status 1) while the listeners keep the pair they had; SIGHUP never ends the daemon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect as connectTcp, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { generate } from 'selfsigned';
import { runCli } from '../support/cli-process.js';
import { DaemonProcess } from '../support/daemon-process.js';

const waitMs = 20_000;

async function newPair(name: string): Promise<{ cert: string; key: string; fingerprint: string }> {
  const pems = await generate([{ name: 'commonName', value: name }], { keyType: 'ec', curve: 'P-256', algorithm: 'sha256' });
  return { cert: pems.cert, key: pems.private, fingerprint: new X509Certificate(pems.cert).fingerprint256 };
}

/** Replaces a file the way certbot and friends do: whole, by rename. */
function replaceFile(path: string, text: string): void {
  writeFileSync(`${path}.new`, text, { mode: 0o600 });
  renameSync(`${path}.new`, path);
}

/** Reads from `socket` until the text received matches `pattern` (bounded by waitMs). */
function readUntil(socket: Socket, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => { done(); reject(new Error(`no ${pattern} within ${waitMs} ms: ${text}`)); }, waitMs);
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('latin1');
      if (pattern.test(text)) { done(); resolve(text); }
    };
    const onClose = (): void => { done(); reject(new Error(`closed before ${pattern}: ${text}`)); };
    const done = (): void => { clearTimeout(timer); socket.off('data', onData); socket.off('close', onClose); };
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

function handshake(options: { port: number } | { socket: Socket }): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const secure = connectTls({ host: '127.0.0.1', rejectUnauthorized: false, ...options });
    secure.once('secureConnect', () => resolve(secure));
    secure.once('error', reject);
  });
}

async function plain(port: number): Promise<Socket> {
  const socket = connectTcp({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  return socket;
}

/** The fingerprint of the certificate a new TLS connection (or upgrade) is shown. */
async function fingerprintOf(options: { port: number } | { socket: Socket }): Promise<string> {
  const secure = await handshake(options);
  const fingerprint = secure.getPeerCertificate().fingerprint256;
  secure.destroy();
  return fingerprint;
}

/** The fingerprint each of the four TLS paths presents to a new connection. */
async function presented(ports: { submission: number; submissions: number; imap: number; imaps: number }): Promise<Record<string, string>> {
  const implicit = (port: number): Promise<string> => fingerprintOf({ port });
  const smtpStartTls = async (): Promise<string> => {
    const socket = await plain(ports.submission);
    const greeting = readUntil(socket, /^220 .*\r\n/m);
    await greeting;
    const ehlo = readUntil(socket, /^250 .*\r\n/m);
    socket.write('EHLO tls-reload.test\r\n');
    await ehlo;
    const go = readUntil(socket, /^220 .*\r\n/m);
    socket.write('STARTTLS\r\n');
    await go;
    return fingerprintOf({ socket });
  };
  const imapStartTls = async (): Promise<string> => {
    const socket = await plain(ports.imap);
    await readUntil(socket, /^\* OK.*\r\n/m);
    const go = readUntil(socket, /^a OK.*\r\n/m);
    socket.write('a STARTTLS\r\n');
    await go;
    return fingerprintOf({ socket });
  };
  return {
    submissions: await implicit(ports.submissions), imaps: await implicit(ports.imaps),
    submission: await smtpStartTls(), imap: await imapStartTls(),
  };
}

/** Resolves once the daemon's log has `count` lines with `message` (bounded by waitMs). */
async function logged(daemon: DaemonProcess, message: string, count: number): Promise<Array<Record<string, unknown>>> {
  const linesOf = (log: string): Array<Record<string, unknown>> =>
    log.split('\n').filter((l) => l.includes(`"msg":"${message}"`)).map((l) => JSON.parse(l) as Record<string, unknown>);
  await daemon.waitForStderr((log) => linesOf(log).length >= count, waitMs);
  return linesOf(daemon.stderr);
}

test('SIGHUP: a renewed certificate for every new connection, the old one kept when the new pair is bad', { timeout: 90_000 }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-tls-reload-'));
  const { args, ports } = await DaemonProcess.devArgs(dataDir);
  const daemon = DaemonProcess.spawn(args);
  t.after(async () => {
    await daemon.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  await daemon.ready();
  const certFile = join(dataDir, 'tls', 'dev-cert.pem');
  const keyFile = join(dataDir, 'tls', 'dev-key.pem');

  const first = await presented(ports);
  const original = first.imaps!;
  assert.deepEqual(first, { submissions: original, imaps: original, submission: original, imap: original });
  // A session in TLS before the renewal.
  const earlier = await handshake({ port: ports.imaps });
  await readUntil(earlier, /^\* OK.*\r\n/m);

  const renewed = await newPair('renewed.example.test');
  replaceFile(keyFile, renewed.key);
  replaceFile(certFile, renewed.cert);
  daemon.kill('SIGHUP');
  const [reloaded] = await logged(daemon, 'TLS certificate reloaded', 1);
  assert.equal((reloaded!.certificate as { fingerprint256: string }).fingerprint256, renewed.fingerprint);
  const status = await runCli(['--data-dir', dataDir, 'status', '--json']);
  assert.equal((JSON.parse(status.stdout) as { tls: { fingerprint256: string; subject: string } }).tls.fingerprint256, renewed.fingerprint, 'tandem status names the certificate in use');
  assert.deepEqual(await presented(ports), { submissions: renewed.fingerprint, imaps: renewed.fingerprint, submission: renewed.fingerprint, imap: renewed.fingerprint });
  const noop = readUntil(earlier, /^n OK.*\r\n/m);
  earlier.write('n NOOP\r\n');
  await noop;
  earlier.destroy();

  // A certificate whose key is another's: refused, and nothing changes (SIGHUP, then the CLI).
  const other = await newPair('other.example.test');
  replaceFile(certFile, other.cert);
  daemon.kill('SIGHUP');
  const [refused] = await logged(daemon, 'TLS certificate not reloaded; the listeners keep the one they had', 1);
  assert.match(String(refused!.err), /the key does not belong to the certificate/);
  const unchanged = { submissions: renewed.fingerprint, imaps: renewed.fingerprint, submission: renewed.fingerprint, imap: renewed.fingerprint };
  assert.deepEqual(await presented(ports), unchanged);
  const cliRefused = await runCli(['--data-dir', dataDir, 'tls', 'reload']);
  assert.equal(cliRefused.code, 1);
  assert.match(cliRefused.stderr, /the key does not belong to the certificate; the listeners keep the certificate they had/);
  assert.deepEqual(await presented(ports), unchanged);
  assert.equal(daemon.child.exitCode, null, 'SIGHUP never ends the daemon');

  // The key that belongs to it arrives: the CLI reloads and says what is presented now.
  replaceFile(keyFile, other.key);
  const cliReloaded = await runCli(['--data-dir', dataDir, 'tls', 'reload']);
  assert.equal(cliReloaded.code, 0, cliReloaded.stderr);
  assert.equal(cliReloaded.stdout.trim().split('\n').length, 1);
  assert.match(cliReloaded.stdout, new RegExp(`^reloaded: CN=other\\.example\\.test, valid to .+, SHA-256 ${other.fingerprint}\n$`));
  assert.deepEqual(await presented(ports), { submissions: other.fingerprint, imaps: other.fingerprint, submission: other.fingerprint, imap: other.fingerprint });
});
