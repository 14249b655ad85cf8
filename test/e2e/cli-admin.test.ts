// Goal: users, domains and aliases changed with `tandem` take effect in the running daemon without a restart, `--json` output parses, and errors say what to do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SmtpWireClient } from '@tandem/smtp';
import { runCli } from '../support/cli-process.js';
import { DaemonProcess, type PrintedDetails } from '../support/daemon-process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tandem-cli-'));
let daemon: DaemonProcess;
let details: PrintedDetails;

test.before(async () => {
  const { args } = await DaemonProcess.devArgs(dataDir);
  daemon = DaemonProcess.spawn(args);
  details = await daemon.ready();
});
test.after(async () => {
  await daemon.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const cli = (...args: string[]): ReturnType<typeof runCli> => runCli(['--data-dir', dataDir, ...args]);

async function json<T>(...args: string[]): Promise<T> {
  const result = await cli(...args, '--json');
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as T;
}

/** RCPT TO reply code on the MX port (nothing is sent). */
async function rcptCode(address: string): Promise<string> {
  const client = await SmtpWireClient.connect(details.smtp);
  await client.send('EHLO client.elsewhere.test');
  await client.send('MAIL FROM:<a@elsewhere.test>');
  const reply = await client.send(`RCPT TO:<${address}>`);
  await client.quit();
  return `${reply.code} ${reply.enhancedCode}`;
}

async function authCode(user: string, password: string): Promise<number> {
  const client = await SmtpWireClient.connect(details.submissions, { tls: true });
  await client.send('EHLO client.elsewhere.test');
  const reply = await client.send(`AUTH PLAIN ${Buffer.from(`\0${user}\0${password}`).toString('base64')}`);
  await client.quit();
  return reply.code;
}

test('user add: the new user receives mail at once; user list --json parses', async () => {
  assert.equal(await rcptCode('alice@example.test'), '550 5.1.1');
  const added = await cli('user', 'add', 'alice@example.test', '--password', 'alice-password-1');
  assert.equal(added.code, 0, added.stderr);
  assert.equal(added.stdout, 'added user alice@example.test\n');
  assert.equal(await rcptCode('alice@example.test'), '250 2.1.5');
  const users = await json<Array<{ address: string; usageBytes: number }>>('user', 'list');
  assert.deepEqual(users.map((u) => u.address).sort(), ['alice@example.test', 'demo@example.test']);
  const table = await cli('user', 'list');
  assert.match(table.stdout, /^ADDRESS +USED +QUOTA +CREATED\n/);
});

test('alias add: mail to the alias is accepted and lands in the target’s Maildir, without a restart', async () => {
  assert.equal(await rcptCode('sales@example.test'), '550 5.1.1');
  const added = await cli('alias', 'add', 'sales@example.test', 'alice@example.test');
  assert.equal(added.code, 0, added.stderr);
  const client = await SmtpWireClient.connect(details.smtp);
  await client.send('EHLO client.elsewhere.test');
  const replies = await client.sendMail('a@elsewhere.test', ['sales@example.test'], 'Subject: to sales\r\n\r\nhi\r\n');
  assert.equal(replies.at(-1)?.code, 250);
  await client.quit();
  assert.equal(readdirSync(join(dataDir, 'mail', 'example.test', 'alice', 'new')).length, 1);
  assert.deepEqual(await json('alias', 'list'), [{ source: 'sales@example.test', target: 'alice@example.test' }]);
  assert.equal((await cli('alias', 'remove', 'sales@example.test', 'alice@example.test')).code, 0);
  assert.equal(await rcptCode('sales@example.test'), '550 5.1.1');
});

test('user passwd: the new password works at once and the old one no longer does; a password can come from stdin', async () => {
  assert.equal(await authCode('alice@example.test', 'alice-password-1'), 235);
  const changed = await runCli(['--data-dir', dataDir, 'user', 'passwd', 'alice@example.test'], { input: 'alice-password-2\n' });
  assert.equal(changed.code, 0, changed.stderr);
  assert.equal(await authCode('alice@example.test', 'alice-password-2'), 235);
  assert.equal(await authCode('alice@example.test', 'alice-password-1'), 535);
});

test('user quota: takes effect for the next message (552 5.2.2 over it), shows in user list, and none removes it', async () => {
  let sent = 0;
  // Each message differs: an identical transaction would be answered from the dedupe record.
  const send = async (): Promise<string> => {
    const client = await SmtpWireClient.connect(details.smtp);
    await client.send('EHLO client.elsewhere.test');
    const replies = await client.sendMail('a@elsewhere.test', ['alice@example.test'], `Subject: quota ${++sent}\r\n\r\n${'q'.repeat(2000)}\r\n`);
    await client.quit();
    const last = replies.at(-1)!;
    return `${last.code} ${last.enhancedCode}`;
  };
  assert.equal((await send()).slice(0, 3), '250');
  const set = await cli('user', 'quota', 'alice@example.test', '1K');
  assert.equal(set.code, 0, set.stderr);
  assert.equal(set.stdout, 'quota 1.0 KiB for alice@example.test\n');
  assert.equal(await send(), '552 5.2.2', 'over the quota');
  const users = await json<Array<{ address: string; quotaBytes: number | null; usageBytes: number }>>('user', 'list');
  const alice = users.find((u) => u.address === 'alice@example.test')!;
  assert.equal(alice.quotaBytes, 1024);
  assert.ok(alice.usageBytes > 1024, 'what was stored before stays');
  assert.equal((await cli('user', 'quota', 'alice@example.test', '2G')).code, 0);
  assert.equal((await json<Array<{ address: string; quotaBytes: number | null }>>('user', 'list')).find((u) => u.address === 'alice@example.test')!.quotaBytes, 2 * 1024 ** 3);
  assert.equal((await cli('user', 'quota', 'alice@example.test', 'none')).code, 0);
  assert.equal((await json<Array<{ address: string; quotaBytes: number | null }>>('user', 'list')).find((u) => u.address === 'alice@example.test')!.quotaBytes, null);
  assert.equal((await send()).slice(0, 3), '250');
  const bad = await cli('user', 'quota', 'alice@example.test', 'lots');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /"lots" is not a size: write bytes, or a number with K, M, G or T/);
  const nobody = await cli('user', 'quota', 'nobody@example.test', '1G');
  assert.equal(nobody.code, 1);
  assert.match(nobody.stderr, /no user nobody@example\.test/);
});

test('domain add/list/remove and catch-all aliases', async () => {
  assert.equal(await rcptCode('anyone@example.org'), '554 5.7.1', 'not ours yet: relaying refused');
  assert.equal((await cli('domain', 'add', 'example.org')).code, 0);
  const domains = await json<Array<{ domain: string; users: number }>>('domain', 'list');
  assert.deepEqual(domains.map((d) => d.domain).sort(), ['example.org', 'example.test']);
  assert.equal(await rcptCode('anyone@example.org'), '550 5.1.1');
  assert.equal((await cli('alias', 'add', '@example.org', 'alice@example.test')).code, 0);
  assert.equal(await rcptCode('anyone@example.org'), '250 2.1.5');
  assert.equal((await cli('alias', 'remove', '@example.org', 'alice@example.test')).code, 0);
  assert.equal((await cli('domain', 'remove', 'example.org')).code, 0);
  assert.equal(await rcptCode('anyone@example.org'), '554 5.7.1');
});

test('user remove: mail to the removed user is refused at once', async () => {
  assert.equal((await cli('user', 'remove', 'alice@example.test')).code, 0);
  assert.equal(await rcptCode('alice@example.test'), '550 5.1.1');
});

test('status --json parses and reports the listeners', async () => {
  const status = await json<{ listeners: Record<string, { port: number }>; dev: boolean; users: number }>('status');
  assert.equal(status.dev, true);
  assert.equal(status.listeners.mx?.port, details.smtp);
  assert.equal(status.users, 1);
});

test('errors say what to do, exit status 1', async () => {
  const noDomain = await cli('user', 'add', 'bob@nowhere.test', '--password', 'bob-password-1');
  assert.equal(noDomain.code, 1);
  assert.equal(noDomain.stderr, 'tandem: domain nowhere.test is not served here; add it first: tandem domain add nowhere.test\n');
  const short = await cli('user', 'add', 'bob@example.test', '--password', 'short');
  assert.equal(short.stderr, 'tandem: password too short: at least 8 characters\n');
  const twice = await cli('user', 'add', 'demo@example.test', '--password', 'demo-password-x');
  assert.equal(twice.code, 1);
  assert.match(twice.stderr, /^tandem: .*exists/);
  const missing = await cli('alias', 'add', 'x@example.test', 'ghost@example.test');
  assert.equal(missing.stderr, 'tandem: no user ghost@example.test; an alias must point at a local user (tandem user add ghost@example.test)\n');
});

test('a CLI without a daemon, or with a wrong token, says so', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'tandem-cli-none-'));
  try {
    const none = await runCli(['user', 'list'], { env: { TANDEM_DATA_DIR: empty } });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^tandem: no admin token at .*admin\.token: tandemd has not run with data dir .*; is it running\? start it with `npm start`/);
    writeFileSync(join(empty, 'admin.token'), 'x\n');
    const unreachable = await runCli(['--data-dir', empty, 'status']);
    assert.equal(unreachable.stderr, `tandem: cannot reach tandemd at ${join(empty, 'admin.sock')}: is it running? start it with \`npm start\` (or point me at its data dir with --data-dir or TANDEM_DATA_DIR)\n`);
    const wrongToken = await runCli(['--data-dir', empty, '--socket', join(dataDir, 'admin.sock'), 'status']);
    assert.equal(wrongToken.stderr, 'tandem: missing or wrong admin token (it is in admin.token in the data dir)\n');
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});
