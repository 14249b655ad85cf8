// Goal: mail review end to end on a real tandemd. A rule added with `tandem review rule add` holds matching mail:
// the recipient does not see it (imapflow), the reviewer gets a notice naming it, `review list` and `review show`
// give it; `review approve` delivers exactly the held bytes; `review reject --reason` removes it and tells a sender
// who is a user here why (a delivery status notification in their INBOX). Mail no rule matches is delivered at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { ImapFlow } from 'imapflow';
import { cliFor } from '../support/cli-process.js';
import { DaemonProcess } from '../support/daemon-process.js';

const demoPassword = 'review-demo-pw';
const bossPassword = 'review-boss-pw';

test('review: held by a rule, the reviewer told, listed and shown, approved into the INBOX or rejected with the reason to the sender', { timeout: 120_000 }, async (t) => {
  const { dataDir, ports } = await DaemonProcess.startDev(t, 'review', demoPassword);
  const { cli, ok } = cliFor(dataDir);
  const messages = async (user: string, password: string): Promise<Array<{ subject: string; from: string; source: string }>> => {
    const client = new ImapFlow({ host: '127.0.0.1', port: ports.imap, secure: false, doSTARTTLS: false, auth: { user, pass: password }, logger: false });
    await client.connect();
    try {
      const box = await client.mailboxOpen('INBOX');
      if (box.exists === 0) return [];
      const out = [];
      for await (const m of client.fetch('1:*', { envelope: true, source: true })) {
        out.push({ subject: m.envelope?.subject ?? '', from: m.envelope?.from?.[0]?.address ?? '', source: m.source?.toString('utf8') ?? '' });
      }
      return out;
    } finally {
      await client.logout();
    }
  };

  await ok('user', 'add', 'boss@example.test', '--password', bossPassword);
  assert.equal(await ok('review', 'rule', 'add', 'rival', '--from', '@rival.test', '--direction', 'inbound', '--reviewer', 'boss@example.test'), 'added review rule rival\n');
  await ok('review', 'rule', 'add', 'watch-demo', '--from', 'demo@example.test', '--to', 'boss@example.test', '--direction', 'internal');
  const rules = JSON.parse(await ok('review', 'rule', 'list', '--json')) as Array<{ name: string; from: string; reviewers: string[] }>;
  assert.deepEqual(rules.map((r) => [r.name, r.from, r.reviewers]), [['rival', '@rival.test', ['boss@example.test']], ['watch-demo', 'demo@example.test', []]]);
  const badRule = await cli('review', 'rule', 'add', 'everything');
  assert.equal(badRule.code, 1);
  assert.match(badRule.stderr, /a rule needs a condition/);

  // Held: from the rival domain, by the MX port.
  const mx = nodemailer.createTransport({ host: '127.0.0.1', port: ports.smtp, secure: false, ignoreTLS: true });
  await mx.sendMail({ from: 'spy@rival.test', to: 'demo@example.test', subject: 'Prix réduits', text: 'buy now\r\n' });
  await mx.sendMail({ from: 'friend@ally.test', to: 'demo@example.test', subject: 'lunch?', text: 'noon\r\n' });
  mx.close();
  assert.deepEqual((await messages('demo@example.test', demoPassword)).map((m) => m.subject), ['lunch?'], 'held mail is in no mailbox; other mail is delivered at once');

  const listing = JSON.parse(await ok('review', 'list', '--json')) as { count: number; entries: Array<{ queueId: string; rule: string; from: string; to: string[]; subject: string }> };
  assert.equal(listing.count, 1);
  assert.equal((JSON.parse(await ok('status', '--json')) as { reviewHeld: number }).reviewHeld, 1, 'tandem status counts held mail');
  const [held] = listing.entries;
  assert.deepEqual([held!.rule, held!.from, held!.to, held!.subject], ['rival', 'spy@rival.test', ['demo@example.test'], 'Prix réduits']);
  assert.match(await ok('review', 'list'), new RegExp(`^${held!.queueId} .* rival +spy@rival\\.test +demo@example\\.test +Prix réduits$`, 'm'));

  const notices = await messages('boss@example.test', bossPassword);
  assert.equal(notices.length, 1);
  assert.equal(notices[0]!.subject, '[review] held: Prix réduits');
  assert.match(notices[0]!.source, new RegExp(`tandem review approve ${held!.queueId}`));

  const shown = await ok('review', 'show', held!.queueId);
  assert.match(shown, /^Return-Path: <spy@rival\.test>\r\nReceived: from /);
  assert.match(shown, /\r\n\r\nbuy now\r\n$/);

  assert.equal(await ok('review', 'approve', held!.queueId, '--as', 'alice-reviewer'), `approved ${held!.queueId}: delivered to 1 mailbox\n`);
  const inbox = await messages('demo@example.test', demoPassword);
  assert.deepEqual(inbox.map((m) => m.subject), ['lunch?', 'Prix réduits']);
  assert.equal(inbox[1]!.source, shown, 'the approved message is the held bytes');
  assert.equal(JSON.parse(await ok('review', 'list', '--json')).count, 0);
  const twice = await cli('review', 'approve', held!.queueId);
  assert.equal(twice.code, 1);
  assert.match(twice.stderr, /no held message/);

  // Rejected: demo's own mail to boss, held by the internal rule; demo hears why, boss gets nothing.
  const submission = nodemailer.createTransport({
    host: '127.0.0.1', port: ports.submission, secure: false, requireTLS: true, tls: { rejectUnauthorized: false },
    auth: { user: 'demo@example.test', pass: demoPassword },
  });
  await submission.sendMail({ from: 'demo@example.test', to: 'boss@example.test', subject: 'my raise', text: 'please\r\n' });
  submission.close();
  const [second] = (JSON.parse(await ok('review', 'list', '--json')) as typeof listing).entries;
  assert.equal(second!.rule, 'watch-demo');
  assert.equal(await ok('review', 'reject', second!.queueId, '--reason', 'talk to HR first'), `rejected ${second!.queueId}; the sender was told\n`);
  assert.deepEqual((await messages('boss@example.test', bossPassword)).map((m) => m.subject), ['[review] held: Prix réduits']);
  const bounce = (await messages('demo@example.test', demoPassword)).at(-1)!;
  assert.equal(bounce.subject, 'Undelivered Mail Returned to Sender');
  assert.match(bounce.source.replace(/\r\n[ \t]/g, ' '), /Diagnostic-Code: smtp; 550 5\.7\.1 not approved by review: talk to HR first/);
  assert.equal(JSON.parse(await ok('review', 'list', '--json')).count, 0);
});
