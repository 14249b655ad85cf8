// Goal: each command's apply() semantics — Maildir++ layout, UIDs/MODSEQs, dedupe, quota, flags, copy/move, expunge, mailbox and account rules, events ('change', and 'directory' for recipient changes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { limits } from '@tandem/config';
import type { CopyValue, DeliverValue, ExpungeValue, StoreValue } from './apply-result.js';
import type { StoreChange } from './store-reader.js';
import { StoreFeeder, baseTimeMs, deliverCommand, fixedPasswordHash, makeTempDir } from './store-test-fixture.js';

async function withStore(fn: (f: StoreFeeder, user: string, dataDir: string) => Promise<void>, quotaBytes?: number): Promise<void> {
  const tmp = await makeTempDir('store');
  const f = await StoreFeeder.open(tmp.dir);
  try {
    const user = await f.withDemoUser(quotaBytes);
    await fn(f, user, tmp.dir);
  } finally {
    await f.close();
    await tmp.remove();
  }
}

const userRoot = (dataDir: string) => join(dataDir, 'mail', 'example.test', 'demo');

test('user.add makes the Maildir++ tree with subscribed special-use folders', () => withStore(async (f, user, dataDir) => {
  const root = userRoot(dataDir);
  for (const d of ['cur', 'new', 'tmp', '.Sent/cur', '.Drafts/new', '.Trash/tmp', '.Junk/cur', '.Archive/cur']) {
    assert.ok((await stat(join(root, d))).isDirectory(), d);
  }
  assert.equal((await stat(join(root, '.Sent', 'maildirfolder'))).size, 0);
  const boxes = f.store.listMailboxes(user);
  assert.deepEqual(boxes.map((b) => [b.name, b.specialUse, b.subscribed]), [
    ['INBOX', undefined, true], ['Archive', '\\Archive', true], ['Drafts', '\\Drafts', true],
    ['Junk', '\\Junk', true], ['Sent', '\\Sent', true], ['Trash', '\\Trash', true],
  ]);
  assert.ok(boxes.every((b) => b.uidValidity === 2 && b.uidNext === 1 && b.highestModSeq === 1));
  assert.equal(f.store.getUser('DEMO@example.TEST')?.passwordHash, fixedPasswordHash);
  assert.equal((await f.apply({ type: 'user.add', address: user, passwordHash: fixedPasswordHash })).ok, false);
  const noDomain = await f.apply({ type: 'user.add', address: 'x@elsewhere.test', passwordHash: fixedPasswordHash });
  assert.deepEqual([noDomain.ok, !noDomain.ok && noDomain.error], [false, 'NOTFOUND']);
  const plain = await f.apply({ type: 'user.add', address: 'y@example.test', passwordHash: 'secret' });
  assert.deepEqual([plain.ok, !plain.ok && plain.error], [false, 'INVALID']);
}));

test('deliver: bytes land in new/ unchanged, UIDs and MODSEQs count up', () => withStore(async (f, user, dataDir) => {
  for (let n = 1; n <= 3; n++) {
    const v = await f.ok<DeliverValue>(deliverCommand(n, user));
    assert.deepEqual(v, { queueId: `Q${n}`, duplicate: false, deliveries: [{ user, mailbox: 'INBOX', uidValidity: 2, uid: n }] });
  }
  const messages = f.store.listMessages(user, 'INBOX');
  assert.deepEqual(messages.map((m) => [m.uid, m.modSeq]), [[1, 2], [2, 3], [3, 4]]);
  assert.match(messages[0]!.file, /^new\/\d+\.L\d+R0\.tandem,S=\d+$/);
  assert.equal(f.store.getMailbox(user, 'inbox')?.highestModSeq, 4);
  const onDisk = await readFile(join(userRoot(dataDir), messages[1]!.file), 'utf8');
  assert.equal(onDisk, 'Subject: message 2\r\n\r\nbody 2\r\n');
  assert.equal((await f.store.readMessage(user, 'INBOX', 3)).toString(), 'Subject: message 3\r\n\r\nbody 3\r\n');
  assert.equal(f.store.usageBytes(user), messages.reduce((s, m) => s + m.sizeBytes, 0));
  assert.deepEqual(await readdir(join(userRoot(dataDir), 'tmp')), []);
}));

test('deliver: a repeated dedupe key stores nothing and returns the original outcome', () => withStore(async (f, user, dataDir) => {
  const first = await f.ok<DeliverValue>(deliverCommand(1, user, 'INBOX', { dedupeKey: 'same' }));
  const again = await f.ok<DeliverValue>({ ...deliverCommand(2, user, 'INBOX', { dedupeKey: 'same' }) });
  assert.deepEqual(again, { ...first, duplicate: true });
  assert.equal(f.store.listMessages(user, 'INBOX').length, 1);
  assert.equal((await readdir(join(userRoot(dataDir), 'new'))).length, 1);
  assert.deepEqual(f.store.findDelivery('same'), first);
}));

test('deliver: a dedupe key expires after the retention and is pruned by command time', () => withStore(async (f, user) => {
  await f.ok(deliverCommand(1, user, 'INBOX', { dedupeKey: 'old' }));
  await f.ok(deliverCommand(2, user, 'INBOX', { dedupeKey: 'other' }));
  const later = baseTimeMs + limits.dedupeKeyRetentionMs + 10_000;
  // Any command at a later time prunes both expired keys.
  await f.ok({ type: 'mailbox.subscribe', user, mailbox: 'x', subscribed: true, timestampMs: later });
  assert.equal(f.store.findDelivery('old'), undefined);
  assert.equal(f.store.findDelivery('other'), undefined);
  const v = await f.ok<DeliverValue>({ ...deliverCommand(3, user, 'INBOX', { dedupeKey: 'old' }), timestampMs: later });
  assert.equal(v.duplicate, false);
  assert.equal(f.store.listMessages(user, 'INBOX').length, 3);
}));

test('deliver: several recipients share one inode; a missing folder falls back to INBOX; an unknown user is skipped', () => withStore(async (f, user, dataDir) => {
  await f.ok({ type: 'user.add', address: 'b@example.test', passwordHash: fixedPasswordHash });
  const v = await f.ok<DeliverValue>({
    ...deliverCommand(1, user),
    recipients: [{ user, mailbox: 'INBOX' }, { user, mailbox: 'Archive' }, { user: 'b@example.test', mailbox: 'NoSuchFolder' },
      { user: 'gone@example.test', mailbox: 'INBOX' }, { user, mailbox: 'inbox' }],
  } as never);
  assert.deepEqual(v.deliveries.map((d) => [d.user, d.mailbox, d.uid]), [
    [user, 'INBOX', 1], [user, 'Archive', 1], ['b@example.test', 'INBOX', 1]]);
  const a = await stat(f.store.messagePath(user, 'INBOX', 1)!);
  const b = await stat(f.store.messagePath('b@example.test', 'INBOX', 1)!);
  assert.equal(a.ino, b.ino);
  assert.equal(a.nlink, 3);
  assert.ok(f.store.messagePath(user, 'Archive', 1)!.startsWith(join(userRoot(dataDir), '.Archive', 'new')));
  const nobody = await f.apply({ ...deliverCommand(2, user), recipients: [{ user: 'gone@example.test', mailbox: 'INBOX' }] } as never);
  assert.deepEqual([nobody.ok, !nobody.ok && nobody.error], [false, 'NOTFOUND']);
}));

test('deliver over quota: NOQUOTA, no file, no row, dedupe key not remembered', () => withStore(async (f, user, dataDir) => {
  await f.ok(deliverCommand(1, user));
  const used = f.store.usageBytes(user);
  const r = await f.apply(deliverCommand(2, user, 'INBOX', { body: 'x'.repeat(200 - used + 1) }));
  assert.deepEqual([r.ok, !r.ok && r.error], [false, 'NOQUOTA']);
  assert.equal(f.store.listMessages(user, 'INBOX').length, 1);
  assert.equal((await readdir(join(userRoot(dataDir), 'new'))).length, 1);
  assert.equal(f.store.findDelivery('dedupe-2'), undefined);
  await f.ok(deliverCommand(3, user, 'INBOX', { body: 'x'.repeat(200 - used) }));
  assert.equal(f.store.usageBytes(user), 200);
}, 200));

test('store: +FLAGS/-FLAGS/FLAGS, MODSEQ per change, UNCHANGEDSINCE (RFC 7162 §3.1.3)', () => withStore(async (f, user) => {
  for (let n = 1; n <= 3; n++) await f.ok(deliverCommand(n, user));
  const base = { type: 'message.store' as const, user, mailbox: 'INBOX' };
  const s1 = await f.ok<StoreValue>({ ...base, uids: [1, 2, 99], operation: 'add', flags: ['\\seen'] });
  assert.deepEqual(s1, { updated: [{ uid: 1, flags: ['\\Seen'], modSeq: 5 }, { uid: 2, flags: ['\\Seen'], modSeq: 5 }], modified: [] });
  // No change: MODSEQ stays, nothing bumps, and the result lists only what changed (nothing).
  const s2 = await f.ok<StoreValue>({ ...base, uids: [1, 2], operation: 'add', flags: ['\\Seen'] });
  assert.deepEqual(s2, { updated: [], modified: [] });
  assert.equal(f.store.getMailbox(user, 'INBOX')?.highestModSeq, 5);
  assert.deepEqual(f.store.listMessages(user, 'INBOX').slice(0, 2).map((m) => [m.uid, m.flags, m.modSeq]), [
    [1, ['\\Seen'], 5], [2, ['\\Seen'], 5]]);
  const s3 = await f.ok<StoreValue>({ ...base, uids: [1, 3], operation: 'replace', flags: ['$Work'], unchangedSince: 4 });
  assert.deepEqual(s3, { updated: [{ uid: 3, flags: ['$Work'], modSeq: 6 }], modified: [1] });
  const s4 = await f.apply({ ...base, uids: [1, 2, 3], operation: 'remove', flags: ['\\Seen'], unchangedSince: 4 });
  assert.deepEqual(s4.ok ? s4 : [s4.error, s4.message], ['MODIFIED', '1:3']);
  assert.deepEqual(f.store.listMessages(user, 'INBOX').map((m) => [m.uid, m.flags, m.modSeq]), [
    [1, ['\\Seen'], 5], [2, ['\\Seen'], 5], [3, ['$Work'], 6]]);
  const bad = await f.apply({ ...base, uids: [1], operation: 'add', flags: ['\\Bogus'] });
  assert.deepEqual([bad.ok, !bad.ok && bad.error], [false, 'INVALID']);
}));

test('store: only the messages whose flags change are listed, written and given the new MODSEQ', () => withStore(async (f, user) => {
  for (let n = 1; n <= 4; n++) await f.ok(deliverCommand(n, user));
  const base = { type: 'message.store' as const, user, mailbox: 'INBOX' };
  await f.ok({ ...base, uids: [2, 4], operation: 'add', flags: ['\\Seen'] });
  const before = f.store.listMessages(user, 'INBOX').map((m) => [m.uid, m.flags, m.modSeq] as const);
  const highest = f.store.getMailbox(user, 'INBOX')!.highestModSeq;
  const mixed = await f.ok<StoreValue>({ ...base, uids: [1, 2, 3, 4], operation: 'add', flags: ['\\Seen'] });
  assert.deepEqual(mixed, { updated: [{ uid: 1, flags: ['\\Seen'], modSeq: highest + 1 }, { uid: 3, flags: ['\\Seen'], modSeq: highest + 1 }], modified: [] });
  assert.deepEqual(f.store.listMessages(user, 'INBOX').map((m) => [m.uid, m.flags, m.modSeq]), [
    [1, ['\\Seen'], highest + 1], before[1], [3, ['\\Seen'], highest + 1], before[3]]);
  // UNCHANGEDSINCE: 1 and 3 fail the test; 2 and 4 pass but already have \Seen. The STORE passed
  // for some messages, so it is not a MODIFIED failure, and still nothing changed.
  const noop = await f.ok<StoreValue>({ ...base, uids: [1, 2, 3, 4], operation: 'add', flags: ['\\Seen'], unchangedSince: highest });
  assert.deepEqual(noop, { updated: [], modified: [1, 3] });
  assert.equal(f.store.getMailbox(user, 'INBOX')!.highestModSeq, highest + 1);
}));

test('copy and move: UIDPLUS results, flags kept, files linked, sources expunged on move', () => withStore(async (f, user, dataDir) => {
  for (let n = 1; n <= 3; n++) await f.ok(deliverCommand(n, user));
  await f.ok({ type: 'message.store', user, mailbox: 'INBOX', uids: [2], operation: 'add', flags: ['\\Flagged'] });
  const copy = await f.ok<CopyValue>({ type: 'message.copy', user, mailbox: 'INBOX', uids: [3, 2, 42], target: 'Archive', move: false });
  assert.deepEqual(copy, { uidValidity: 2, sourceUids: [2, 3], targetUids: [1, 2], expungedUids: [] });
  assert.deepEqual(f.store.listMessages(user, 'Archive').map((m) => [m.uid, m.flags]), [[1, ['\\Flagged']], [2, []]]);
  assert.match(f.store.listMessages(user, 'Archive')[0]!.file, /^\.Archive\/cur\/.*:2,$/);
  const move = await f.ok<CopyValue>({ type: 'message.copy', user, mailbox: 'INBOX', uids: [1, 2], target: 'Trash', move: true });
  assert.deepEqual(move, { uidValidity: 2, sourceUids: [1, 2], targetUids: [1, 2], expungedUids: [1, 2] });
  assert.deepEqual(f.store.listMessages(user, 'INBOX').map((m) => m.uid), [3]);
  assert.equal((await readdir(join(userRoot(dataDir), 'new'))).length, 1);
  assert.equal((await f.store.readMessage(user, 'Trash', 2)).toString(), 'Subject: message 2\r\n\r\nbody 2\r\n');
  const inbox = f.store.getMailbox(user, 'INBOX')!;
  assert.equal(inbox.uidNext, 4);
  const missing = await f.apply({ type: 'message.copy', user, mailbox: 'INBOX', uids: [3], target: 'Nope', move: false });
  assert.deepEqual([missing.ok, !missing.ok && missing.error], [false, 'NOTFOUND']);
}));

test('expunge removes only \\Deleted messages (and only the given UIDs for UID EXPUNGE)', () => withStore(async (f, user, dataDir) => {
  for (let n = 1; n <= 4; n++) await f.ok(deliverCommand(n, user));
  await f.ok({ type: 'message.store', user, mailbox: 'INBOX', uids: [1, 2, 3], operation: 'add', flags: ['\\Deleted'] });
  const e1 = await f.ok<ExpungeValue>({ type: 'message.expunge', user, mailbox: 'INBOX', uids: [2, 4] });
  assert.deepEqual(e1, { expungedUids: [2], highestModSeq: 7 });
  const e2 = await f.ok<ExpungeValue>({ type: 'message.expunge', user, mailbox: 'INBOX' });
  assert.deepEqual(e2, { expungedUids: [1, 3], highestModSeq: 8 });
  const e3 = await f.ok<ExpungeValue>({ type: 'message.expunge', user, mailbox: 'INBOX' });
  assert.deepEqual(e3, { expungedUids: [], highestModSeq: 8 });
  assert.deepEqual(f.store.listMessages(user, 'INBOX').map((m) => m.uid), [4]);
  assert.deepEqual((await readdir(join(userRoot(dataDir), 'new'))).length, 1);
  assert.equal(f.store.usageBytes(user), f.store.listMessages(user, 'INBOX')[0]!.sizeBytes);
}));

test('append: cur/ file with empty info, flags and INTERNALDATE as given; TRYCREATE case is NOTFOUND', () => withStore(async (f, user) => {
  const v = await f.ok<{ uidValidity: number; uid: number }>({
    type: 'message.append', user, mailbox: 'Drafts', message: Buffer.from('draft'), flags: ['\\Draft', '\\Seen'], internalDateMs: 1000,
  });
  assert.deepEqual(v, { uidValidity: 2, uid: 1 });
  const [m] = f.store.listMessages(user, 'Drafts');
  assert.deepEqual([m!.flags, m!.internalDateMs, m!.sizeBytes], [['\\Seen', '\\Draft'], 1000, 5]);
  assert.match(m!.file, /^\.Drafts\/cur\/\d+\.L\d+R0\.tandem,S=5:2,$/);
  const r = await f.apply({ type: 'message.append', user, mailbox: 'Nope', message: Buffer.from('x'), flags: [], internalDateMs: 0 });
  assert.deepEqual([r.ok, !r.ok && r.error], [false, 'NOTFOUND']);
}));

test('mailbox create / rename / delete (RFC 9051 §6.3.4–§6.3.6)', () => withStore(async (f, user, dataDir) => {
  const root = userRoot(dataDir);
  assert.deepEqual(await f.ok({ type: 'mailbox.create', user, mailbox: 'Work/2026/Q1' }), { uidValidity: 3 });
  assert.ok(['Work', 'Work/2026', 'Work/2026/Q1'].every((n) => f.store.getMailbox(user, n)));
  assert.ok((await stat(join(root, '.Work.2026.Q1', 'new'))).isDirectory());
  const exists = await f.apply({ type: 'mailbox.create', user, mailbox: 'Work' });
  assert.deepEqual([exists.ok, !exists.ok && exists.error], [false, 'EXISTS']);
  const traversal = await f.apply({ type: 'mailbox.create', user, mailbox: '../../other/x' });
  assert.deepEqual([traversal.ok, !traversal.ok && traversal.error], [false, 'INVALID']);

  await f.ok({ type: 'mailbox.subscribe', user, mailbox: 'Work/2026', subscribed: true });
  await f.ok(deliverCommand(1, user, 'Work/2026'));
  await f.ok({ type: 'mailbox.rename', user, mailbox: 'Work', newName: 'Old/Work' });
  assert.deepEqual(f.store.listMailboxes(user).map((m) => m.name).filter((n) => n.includes('Work')),
    ['Old/Work', 'Old/Work/2026', 'Old/Work/2026/Q1']);
  assert.equal(f.store.getMailbox(user, 'Old/Work/2026')?.uidValidity, 8);
  assert.equal(f.store.getMailbox(user, 'Old/Work/2026')?.subscribed, true);
  assert.equal((await f.store.readMessage(user, 'Old/Work/2026', 1)).toString(), 'Subject: message 1\r\n\r\nbody 1\r\n');
  assert.ok(f.store.getMailbox(user, 'Old'));
  await assert.rejects(stat(join(root, '.Work')));
  const under = await f.apply({ type: 'mailbox.rename', user, mailbox: 'Old', newName: 'Old/x' });
  assert.deepEqual([under.ok, !under.ok && under.error], [false, 'INVALID']);

  const inboxDelete = await f.apply({ type: 'mailbox.delete', user, mailbox: 'inbox' });
  assert.deepEqual([inboxDelete.ok, !inboxDelete.ok && inboxDelete.error], [false, 'NOPERM']);
  await f.ok({ type: 'mailbox.delete', user, mailbox: 'Old/Work' });
  assert.equal(f.store.getMailbox(user, 'Old/Work'), undefined);
  assert.ok(f.store.getMailbox(user, 'Old/Work/2026'), 'inferiors are not deleted');
  await assert.rejects(stat(join(root, '.Old.Work')));
  // Re-created: a larger UIDVALIDITY than the name ever had.
  assert.deepEqual(await f.ok({ type: 'mailbox.create', user, mailbox: 'Old/Work' }), { uidValidity: 12 });
  assert.ok(f.store.listSubscriptions(user).includes('Old/Work/2026'));
}));

test('renaming INBOX moves its messages to the new mailbox and leaves INBOX empty (RFC 9051 §6.3.6)', () => withStore(async (f, user, dataDir) => {
  for (let n = 1; n <= 2; n++) await f.ok(deliverCommand(n, user));
  await f.ok({ type: 'mailbox.create', user, mailbox: 'INBOX/Sub' });
  await f.ok({ type: 'mailbox.rename', user, mailbox: 'INBOX', newName: 'Before2026' });
  assert.deepEqual(f.store.listMessages(user, 'Before2026').map((m) => m.uid), [1, 2]);
  assert.equal((await f.store.readMessage(user, 'Before2026', 2)).toString(), 'Subject: message 2\r\n\r\nbody 2\r\n');
  const inbox = f.store.getMailbox(user, 'INBOX')!;
  assert.deepEqual([inbox.messageCount, inbox.uidNext, inbox.uidValidity], [0, 3, 2]);
  assert.deepEqual(await readdir(join(userRoot(dataDir), 'new')), []);
  assert.ok(f.store.getMailbox(user, 'INBOX/Sub'));
  assert.equal((await f.ok<DeliverValue>(deliverCommand(3, user))).deliveries[0]!.uid, 3);
}));

test('user.remove deletes the Maildir and every row; domain.remove refuses while users remain', () => withStore(async (f, user, dataDir) => {
  await f.ok(deliverCommand(1, user));
  await f.ok({ type: 'alias.add', source: 'info@example.test', target: user });
  const busy = await f.apply({ type: 'domain.remove', domain: 'example.test' });
  assert.deepEqual([busy.ok, !busy.ok && busy.error], [false, 'NOPERM']);
  await f.ok({ type: 'user.remove', address: user });
  await assert.rejects(stat(userRoot(dataDir)));
  assert.deepEqual([f.store.getUser(user), f.store.listMailboxes(user), f.store.usageBytes(user)], [undefined, [], 0]);
  const rows = (await f.store.dumpIndex()).map(([k]) => k).filter((k) => k.includes(user) && !k.startsWith('alias') && !k.startsWith('dedupe'));
  assert.deepEqual(rows, []);
  await f.ok({ type: 'domain.remove', domain: 'example.test' });
  assert.deepEqual([f.store.listDomains(), f.store.listAliases()], [[], []]);
}));

test('aliases: exact alias, catch-all, chains, cycles, "deliver here too"', () => withStore(async (f, user) => {
  await f.ok({ type: 'user.add', address: 'bob@example.test', passwordHash: fixedPasswordHash });
  await f.ok({ type: 'alias.add', source: 'Sales@Example.test', target: 'team@example.test' });
  await f.ok({ type: 'alias.add', source: 'team@example.test', target: user });
  await f.ok({ type: 'alias.add', source: 'team@example.test', target: 'bob@example.test' });
  await f.ok({ type: 'alias.add', source: 'loop1@example.test', target: 'loop2@example.test' });
  await f.ok({ type: 'alias.add', source: 'loop2@example.test', target: 'loop1@example.test' });
  await f.ok({ type: 'alias.add', source: 'bob@example.test', target: 'bob@example.test' });
  await f.ok({ type: 'alias.add', source: 'bob@example.test', target: user });
  assert.deepEqual(f.store.resolveRecipient('sales@EXAMPLE.test'), ['bob@example.test', user]);
  assert.deepEqual(f.store.resolveRecipient('bob@example.test'), ['bob@example.test', user]);
  assert.deepEqual(f.store.resolveRecipient('loop1@example.test'), []);
  assert.deepEqual(f.store.resolveRecipient('nobody@example.test'), []);
  await f.ok({ type: 'alias.add', source: '@example.test', target: user });
  assert.deepEqual(f.store.resolveRecipient('nobody@example.test'), [user]);
  assert.deepEqual(f.store.resolveRecipient('not an address'), []);
  const external = await f.apply({ type: 'alias.add', source: 'x@example.test', target: 'someone@gmail.com' });
  assert.deepEqual([external.ok, !external.ok && external.error], [false, 'INVALID']);
  const dup = await f.apply({ type: 'alias.add', source: 'team@example.test', target: user });
  assert.deepEqual([dup.ok, !dup.ok && dup.error], [false, 'EXISTS']);
  await f.ok({ type: 'alias.remove', source: '@example.test', target: user });
  assert.deepEqual(f.store.resolveRecipient('nobody@example.test'), []);
}));

test('change events follow each applied change; a failed command emits none', () => withStore(async (f, user) => {
  const seen: StoreChange[] = [];
  f.store.events.on('change', (c) => seen.push(c));
  await f.ok(deliverCommand(1, user));
  await f.ok({ type: 'message.store', user, mailbox: 'INBOX', uids: [1], operation: 'add', flags: ['\\Deleted'] });
  await f.ok({ type: 'message.expunge', user, mailbox: 'INBOX' });
  await f.apply({ type: 'mailbox.create', user, mailbox: 'INBOX' });
  assert.deepEqual(seen.map((c) => [c.type, c.index, 'uid' in c ? c.uid : undefined, 'modSeq' in c ? c.modSeq : undefined]), [
    ['message.added', 3, 1, 2], ['flags.changed', 4, 1, 3], ['message.expunged', 5, 1, 4]]);
}));

test("'directory' follows each applied change of domains, users or aliases, and nothing else", () => withStore(async (f, user) => {
  let count = 0;
  const seenAt: number[] = [];
  f.store.events.on('directory', () => { count++; seenAt.push(f.store.appliedIndex); });
  await f.ok(deliverCommand(1, user));
  await f.ok({ type: 'mailbox.create', user, mailbox: 'Projects' });
  assert.equal(count, 0, 'message and mailbox commands change no recipient');
  await f.ok({ type: 'alias.add', source: 'team@example.test', target: user });
  await f.ok({ type: 'user.add', address: 'second@example.test', passwordHash: fixedPasswordHash });
  await f.ok({ type: 'user.passwd', address: 'second@example.test', passwordHash: fixedPasswordHash });
  await f.ok({ type: 'alias.remove', source: 'team@example.test', target: user });
  await f.ok({ type: 'user.remove', address: 'second@example.test' });
  await f.ok({ type: 'domain.add', domain: 'other.test' });
  assert.equal(count, 6);
  assert.deepEqual(seenAt, [...seenAt].sort((a, b) => a - b), 'emitted once the change is applied');
  await f.apply({ type: 'user.add', address: 'nobody@unknown.test', passwordHash: fixedPasswordHash });
  assert.equal(count, 6, 'a failed command emits none');
}));

test('reopening loads the same state; an applied index is not applied twice', async () => {
  const tmp = await makeTempDir('reopen');
  try {
    const f = await StoreFeeder.open(tmp.dir);
    const user = await f.withDemoUser();
    await f.ok(deliverCommand(1, user));
    const before = { boxes: f.store.listMailboxes(user), msgs: f.store.listMessages(user, 'INBOX'), applied: f.store.appliedIndex };
    const last = await f.store.apply(before.applied, deliverCommand(1, user) as never);
    assert.equal(last.ok && (last.value as DeliverValue).duplicate, false, 'returns the recorded result');
    const older = await f.store.apply(1, { type: 'domain.add', domain: 'other.test', timestampMs: 0 });
    assert.deepEqual(older, { ok: true, index: 1, value: null });
    await f.close();
    const g = await StoreFeeder.open(tmp.dir);
    assert.deepEqual({ boxes: g.store.listMailboxes(user), msgs: g.store.listMessages(user, 'INBOX'), applied: g.store.appliedIndex }, before);
    assert.deepEqual(g.store.listDomains(), ['example.test']);
    await g.close();
  } finally {
    await tmp.remove();
  }
});
