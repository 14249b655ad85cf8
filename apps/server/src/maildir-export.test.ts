// Goal: exports land in <data>/exports/maildir-<UTC second>, private (0700), a second one in the same second beside the first (-2), never into an existing tree; a user the admin names must exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword, LocalCommandLog, MailStore } from '@tandem/store';
import { AdminOperations } from './admin-operations.js';
import { exportUnderDataDir } from './maildir-export.js';

test('two exports in one second get two directories, each 0700, each with the whole tree', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-export-dir-'));
  const store = await MailStore.open({ dataDir });
  const log = await LocalCommandLog.open({ dir: join(dataDir, 'log'), store });
  t.after(async () => {
    await log.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const nowMs = Date.UTC(2026, 10, 30, 1, 15, 0, 250);
  await log.propose({ type: 'domain.add', domain: 'example.test', timestampMs: nowMs });
  await log.propose({ type: 'user.add', address: 'demo@example.test', passwordHash: await hashPassword('a-password'), timestampMs: nowMs });

  const first = await exportUnderDataDir(store, dataDir, undefined, nowMs);
  const second = await exportUnderDataDir(store, dataDir, undefined, nowMs);
  assert.equal(first.path, join(dataDir, 'exports', 'maildir-20261130T011500Z'));
  assert.equal(second.path, join(dataDir, 'exports', 'maildir-20261130T011500Z-2'));
  for (const e of [first, second]) {
    assert.equal(statSync(e.path).mode & 0o777, 0o700);
    assert.deepEqual({ ...e, path: '' }, { path: '', users: 1, mailboxes: 6, messages: 0, vanished: 0 });
    assert.ok(readdirSync(join(e.path, 'example.test', 'demo')).includes('cur'));
  }
  assert.equal(statSync(join(dataDir, 'exports')).mode & 0o777, 0o700);

  const operations = new AdminOperations({ reader: store, commandLog: log, nowMs: () => nowMs, status: () => ({}), dataDir });
  await assert.rejects(operations.run('maildir.export', { users: ['nobody@example.test'] }), /no user nobody@example\.test/);
  await assert.rejects(operations.run('maildir.export', { users: 'demo@example.test' }), /users must be a list of addresses/);
  const named = await operations.run('maildir.export', { users: ['Demo@Example.TEST'] }) as { path: string; users: number };
  assert.equal(named.path, join(dataDir, 'exports', 'maildir-20261130T011500Z-3'));
  assert.equal(named.users, 1);
});
