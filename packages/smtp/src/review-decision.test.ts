// Goal: a rejection tells a sender who is a user here (a report with the reason, once) and nobody elsewhere
// (backscatter); approval delivers; a decision on a message no longer held is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { LocalCommandLog, MailStore, type Command } from '@tandem/store';
import { approveHeld, rejectHeld } from './review-decision.js';

test('reject tells a local sender why and a remote one nothing; approve delivers; a second decision is NOTFOUND', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-review-decision-'));
  const store = await MailStore.open({ dataDir });
  const log = await LocalCommandLog.open({ dir: join(dataDir, 'log'), store });
  t.after(async () => { await log.close(); await store.close(); rmSync(dataDir, { recursive: true, force: true }); });
  const propose = async (c: Command): Promise<void> => { const r = await log.propose(c); assert.ok(r.ok, JSON.stringify(r)); };
  const hash = `$scrypt$ln=15,r=8,p=1$${'A'.repeat(22)}$${'B'.repeat(43)}`;
  await propose({ type: 'domain.add', domain: 'example.test', timestampMs: 1 });
  for (const u of ['alice', 'bob']) await propose({ type: 'user.add', address: `${u}@example.test`, passwordHash: hash, timestampMs: 1 });
  const hold = (n: number, from: string): Promise<void> => propose({
    type: 'message.hold', timestampMs: 2, dedupeKey: `h${n}`, queueId: `H${n}`, rule: 'r', envelope: { mailFrom: from, rcptTo: ['bob@example.test'] },
    recipients: [{ user: 'bob@example.test', mailbox: 'INBOX' }], remote: [], message: Buffer.from(`Subject: held ${n}\r\n\r\nbody\r\n`),
  });
  const deps = { reader: store, commandLog: log, nowMs: () => 3, hostname: 'mail.example.test' };
  await hold(1, 'alice@example.test');
  await hold(2, 'stranger@elsewhere.test');
  await hold(3, 'alice@example.test');

  const local = await rejectHeld('H1', 'boss', 'not now', deps);
  assert.deepEqual([local.result.ok, local.senderTold], [true, true]);
  const [report, ...more] = store.listMessages('alice@example.test', 'INBOX');
  assert.equal(more.length, 0);
  const parsed = await simpleParser(await store.readMessage('alice@example.test', 'INBOX', report!.uid));
  assert.equal(parsed.subject, 'Undelivered Mail Returned to Sender');
  assert.match((await store.readMessage('alice@example.test', 'INBOX', report!.uid)).toString(), /550 5\.7\.1 not approved by review: not now/);

  const remote = await rejectHeld('H2', 'boss', 'spam', deps);
  assert.deepEqual([remote.result.ok, remote.senderTold], [true, false]);
  assert.deepEqual(store.listQueue(), [], 'nothing queued to a sender elsewhere');

  const approved = await approveHeld('H3', 'boss', deps);
  assert.ok(approved.ok);
  assert.equal(store.listMessages('bob@example.test', 'INBOX').length, 1);
  const again = await rejectHeld('H3', 'boss', 'late', deps);
  assert.deepEqual([again.result.ok, !again.result.ok && again.result.error, again.senderTold], [false, 'NOTFOUND', false]);
  assert.equal(store.listMessages('alice@example.test', 'INBOX').length, 1, 'no report for a message already decided');
});
