// Goal: a retention pass expires the records past the configured days, keeps the newer ones and those under a
// legal hold, does nothing without a retention, and logs what it did.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCommandLog, MailStore, type Command } from '@tandem/store';
import { ArchiveRetention } from './archive-retention.js';

const day = 86_400_000;
const now = Date.UTC(2026, 10, 30);

test('expires what is older than the retention, except under a hold; nothing without a retention', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-retention-'));
  const store = await MailStore.open({ dataDir });
  const log = await LocalCommandLog.open({ dir: join(dataDir, 'log'), store });
  t.after(async () => { await log.close(); await store.close(); rmSync(dataDir, { recursive: true, force: true }); });
  const propose = async (c: Command): Promise<void> => { const r = await log.propose(c); assert.ok(r.ok, JSON.stringify(r)); };
  await propose({ type: 'domain.add', domain: 'example.test', timestampMs: now - 100 * day });
  await propose({ type: 'user.add', address: 'a@example.test', passwordHash: `$scrypt$ln=15,r=8,p=1$${'A'.repeat(22)}$${'B'.repeat(43)}`, timestampMs: now - 100 * day });
  await propose({ type: 'archive.configure', enabled: true, timestampMs: now - 100 * day });
  const deliver = (n: number, from: string, ageDays: number): Promise<void> => propose({
    type: 'message.deliver', timestampMs: now - ageDays * day, dedupeKey: `r${n}`, queueId: `R${n}`, envelope: { mailFrom: from, rcptTo: ['a@example.test'] },
    recipients: [{ user: 'a@example.test', mailbox: 'INBOX' }], message: Buffer.from(`Subject: ${n}\r\n\r\n${n}\r\n`),
  });
  await deliver(1, 'old@elsewhere.test', 90);
  await deliver(2, 'counsel@law.test', 80);
  await deliver(3, 'new@elsewhere.test', 5);
  const lines: string[] = [];
  const retention = new ArchiveRetention({ reader: store, commandLog: log, nowMs: () => now, logger: { info: (_f, m) => lines.push(m), error: (_f, m) => lines.push(m) } });

  await retention.runOnce();
  assert.deepEqual([...store.archiveRecords()].map((r) => r.file === null), [false, false, false], 'no retention configured: nothing expires');

  await propose({ type: 'archive.configure', enabled: true, retentionDays: 30, timestampMs: now });
  await propose({ type: 'archive.hold.add', name: 'case-1', custodian: '@law.test', reason: 'subpoena', timestampMs: now });
  await retention.runOnce();
  assert.deepEqual([...store.archiveRecords()].map((r) => r.file === null), [true, false, false]);
  assert.deepEqual(lines, ['archive: records past the retention expired']);
});
