// Goal: the mail archive end to end on a real tandemd. Off until `tandem archive enable`; then every accepted
// message is journaled and stays when its user deletes it (imapflow); `archive search` finds it by decoded
// Subject, recipient and body text; `archive export` writes an mbox that Python's mailbox module reads;
// `archive verify` passes, and fails naming the record when a journaled file is changed behind the server's back;
// legal holds are added, listed and released.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { ImapFlow } from 'imapflow';
import { cliFor } from '../support/cli-process.js';
import { DaemonProcess } from '../support/daemon-process.js';

const password = 'archive-demo-pw';

test('archive: enable, journal, survive a user\'s delete, search, export to mbox, verify, holds', { timeout: 120_000 }, async (t) => {
  const { dataDir, ports } = await DaemonProcess.startDev(t, 'archive', password);
  const { cli, ok } = cliFor(dataDir);
  const mx = nodemailer.createTransport({ host: '127.0.0.1', port: ports.smtp, secure: false, ignoreTLS: true });
  t.after(() => mx.close());
  const send = (from: string, subject: string, text: string): Promise<unknown> => mx.sendMail({ from, to: 'demo@example.test', subject, text });

  assert.equal(await ok('archive', 'status'), 'archive off, retention forever; 0 records (0 expired); 0 legal holds\n');
  await send('early@elsewhere.test', 'before the archive', 'not journaled\r\n');
  assert.equal(await ok('archive', 'enable', '--retention-days', '3650'), 'archive on, messages kept 3650 days\n');
  await send('partner@supplier.test', 'Prévision Q4', 'the forecast is attached\r\nFrom the desk of the partner\r\n');
  await send('friend@elsewhere.test', 'lunch', 'noon?\r\n');
  assert.match(await ok('archive', 'status'), /^archive on, retention 3650 days; 2 records \(0 expired\)/);
  assert.deepEqual((JSON.parse(await ok('status', '--json')) as { archive: unknown }).archive, { enabled: true, records: 2 });

  // demo deletes the partner's message; the archive keeps it.
  const imap = new ImapFlow({ host: '127.0.0.1', port: ports.imap, secure: false, doSTARTTLS: false, auth: { user: 'demo@example.test', pass: password }, logger: false });
  await imap.connect();
  await imap.mailboxOpen('INBOX');
  const partnerUid = (await imap.search({ from: 'partner@supplier.test' }, { uid: true }));
  assert.ok(Array.isArray(partnerUid) && partnerUid.length === 1);
  await imap.messageDelete(partnerUid, { uid: true });
  assert.deepEqual(await imap.search({ from: 'partner@supplier.test' }, { uid: true }), []);
  await imap.logout();

  const search = async (...a: string[]): Promise<Array<{ seq: number; subject: string; mailFrom: string }>> =>
    (JSON.parse(await ok('archive', 'search', ...a, '--json')) as { hits: Array<{ seq: number; subject: string; mailFrom: string }> }).hits;
  assert.deepEqual((await search('--subject', 'prévision')).map((h) => [h.seq, h.subject, h.mailFrom]), [[1, 'Prévision Q4', 'partner@supplier.test']]);
  assert.deepEqual((await search('--to', 'demo@example.test')).map((h) => h.seq), [1, 2]);
  assert.deepEqual((await search('--text', 'FORECAST')).map((h) => h.seq), [1]);
  assert.deepEqual(await search('--since', '2000-01-01', '--until', '2000-01-02'), []);
  assert.match(await ok('archive', 'search', '--from', '@supplier.test'), /^1 +\S+ +\S+ +partner@supplier\.test +demo@example\.test +Prévision Q4\n-- 1 match\n$/m);
  const badDate = await cli('archive', 'search', '--since', 'yesterday');
  assert.equal(badDate.code, 1);
  assert.match(badDate.stderr, /--since: "yesterday" is not a date/);

  // Export: an mbox Python reads, with the deleted message in it.
  const exported = JSON.parse(await ok('archive', 'export', '--to', 'demo@example.test', '--json')) as { path: string; messages: number };
  assert.equal(exported.messages, 2);
  assert.ok(exported.path.startsWith(join(dataDir, 'exports', 'archive-')) && exported.path.endsWith('.mbox'));
  const subjects = execFileSync('python3', ['-c', 'import mailbox,sys,email.header\nfor m in mailbox.mbox(sys.argv[1]): print(str(email.header.make_header(email.header.decode_header(m["subject"]))))', exported.path], { encoding: 'utf8' });
  assert.deepEqual(subjects.trim().split('\n'), ['Prévision Q4', 'lunch']);
  assert.match(readFileSync(exported.path, 'latin1'), /\n>From the desk of the partner\n/);

  // Verify: ok; then a journaled file changed in place is found.
  assert.match(await ok('archive', 'verify'), /^ok: 2 records \(0 expired\), \d+ bytes of messages checked\n$/);
  const archived = join(dataDir, 'mail', '.archive', 'new');
  const [first] = readdirSync(archived).sort((a, b) => Number(/\.L(\d+)R/.exec(a)![1]) - Number(/\.L(\d+)R/.exec(b)![1]));
  const bytes = readFileSync(join(archived, first!));
  writeFileSync(join(archived, first!), Buffer.from(bytes.toString('latin1').replace('forecast', 'FORECAST'), 'latin1'));
  const broken = await cli('archive', 'verify');
  assert.equal(broken.code, 1);
  assert.equal(broken.stdout, 'NOT OK: 1 problem in 2 records\n  record 1: its message is not the bytes that were journaled\n');
  writeFileSync(join(archived, first!), bytes);
  assert.match(await ok('archive', 'verify'), /^ok: /);

  // Legal holds.
  assert.equal(await ok('archive', 'hold', 'add', 'case-42', '@supplier.test', '--reason', 'contract dispute'), 'legal hold case-42 on @supplier.test\n');
  assert.match(await ok('archive', 'hold', 'list'), /^case-42 +@supplier\.test +\S+ +contract dispute$/m);
  const twice = await cli('archive', 'hold', 'add', 'case-42', '@supplier.test');
  assert.equal(twice.code, 1);
  assert.match(twice.stderr, /legal hold case-42 exists/);
  assert.equal(await ok('archive', 'hold', 'remove', 'case-42'), 'legal hold case-42 released\n');
  assert.equal(await ok('archive', 'disable'), 'archive off; journaled messages are kept\n');
  assert.match(await ok('archive', 'status'), /^archive off, retention 3650 days; 2 records/);
});
