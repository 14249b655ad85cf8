// Goal: imapflow (a real, widely used client, which ENABLEs IMAP4rev2 CONDSTORE QRESYNC UTF8=ACCEPT) works against the server for list, select, fetch, search, store, copy, move, expunge, append, IDLE with a concurrent delivery, and QRESYNC resync.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ImapFlow } from 'imapflow';
import type { ImapFlowOptions } from 'imapflow';
import { demoPassword, demoUser, ImapHarness, sampleMessage } from './imap-test-harness.js';

let harness: ImapHarness;

before(async () => {
  harness = await ImapHarness.start();
});

after(async () => {
  await harness.close();
});

function client(options: Partial<ImapFlowOptions> = {}): ImapFlow {
  return new ImapFlow({
    host: '127.0.0.1', port: harness.imapsPort, secure: true, tls: { rejectUnauthorized: false },
    auth: { user: demoUser, pass: demoPassword }, logger: false, ...options,
  });
}

async function withClient<T>(fn: (c: ImapFlow) => Promise<T>, options: Partial<ImapFlowOptions> = {}): Promise<T> {
  const c = client(options);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.logout();
  }
}

const multipart = [
  'From: "Alice Example" <alice@example.org>',
  'To: Demo <demo@example.test>',
  'Subject: =?UTF-8?Q?Caf=C3=A9?= report',
  'Date: Fri, 2 Jan 2026 09:00:00 +0100',
  'Message-ID: <report@example.org>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="XX"',
  '',
  '--XX',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'The quarterly numbers.',
  '--XX',
  'Content-Type: application/octet-stream; name="n.bin"',
  'Content-Transfer-Encoding: base64',
  'Content-Disposition: attachment; filename="n.bin"',
  '',
  'AAECAwQF',
  '--XX--',
  '',
].join('\r\n');

test('LIST shows the special-use folders and created hierarchies', async () => {
  await withClient(async (c) => {
    await c.mailboxCreate('Projects/Tandem');
    const folders = await c.list();
    const byPath = new Map(folders.map((f) => [f.path, f]));
    assert.equal(byPath.get('Sent')?.specialUse, '\\Sent');
    assert.equal(byPath.get('Trash')?.specialUse, '\\Trash');
    assert.equal(byPath.get('Projects/Tandem')?.parentPath, 'Projects');
    assert.equal(byPath.get('INBOX')?.specialUse, '\\Inbox');
  });
});

test('SELECT reports EXISTS, UIDNEXT, UIDVALIDITY and HIGHESTMODSEQ of the store', async () => {
  await harness.ok({ type: 'mailbox.create', user: demoUser, mailbox: 'SelectBox' });
  await harness.deliver(sampleMessage(1), 'SelectBox');
  await harness.deliver(sampleMessage(2), 'SelectBox');
  const record = harness.store.getMailbox(demoUser, 'SelectBox')!;
  await withClient(async (c) => {
    const box = await c.mailboxOpen('SelectBox');
    assert.equal(box.exists, 2);
    assert.equal(Number(box.uidValidity), record.uidValidity);
    assert.equal(box.uidNext, record.uidNext);
    assert.equal(Number(box.highestModseq), record.highestModSeq);
  });
});

test('FETCH envelope, bodystructure, source and a partial body', async () => {
  await harness.ok({ type: 'mailbox.create', user: demoUser, mailbox: 'FetchBox' });
  const uid = await harness.deliver(multipart, 'FetchBox');
  await withClient(async (c) => {
    await c.mailboxOpen('FetchBox');
    const m = await c.fetchOne(String(uid), { uid: true, envelope: true, bodyStructure: true, source: true, size: true }, { uid: true });
    assert.ok(m);
    assert.equal(m.envelope?.subject, 'Café report');
    assert.deepEqual(m.envelope?.from, [{ name: 'Alice Example', address: 'alice@example.org' }]);
    assert.equal(m.envelope?.messageId, '<report@example.org>');
    assert.equal(m.bodyStructure?.type, 'multipart/mixed');
    assert.deepEqual(m.bodyStructure?.childNodes?.map((n) => [n.part, n.type, n.size]), [['1', 'text/plain', 22], ['2', 'application/octet-stream', 8]]);
    assert.equal(m.bodyStructure?.childNodes?.[1]?.disposition, 'attachment');
    assert.equal(m.source?.toString('utf8'), multipart);
    assert.equal(m.size, Buffer.byteLength(multipart));
    const partial = await c.fetchOne(String(uid), { source: { start: 6, maxLength: 15 } }, { uid: true });
    assert.equal(partial && partial.source?.toString('utf8'), multipart.slice(6, 21));
    const { content } = await c.download(String(uid), '2', { uid: true });
    assert.ok(content);
    const chunks: Buffer[] = [];
    for await (const chunk of content) chunks.push(chunk as Buffer);
    assert.deepEqual([...Buffer.concat(chunks)], [0, 1, 2, 3, 4, 5]);
  });
});

test('BINARY: a part with NUL bytes comes back decoded (literal8), and a message with NUL is appended as literal8', async () => {
  await harness.ok({ type: 'mailbox.create', user: demoUser, mailbox: 'BinaryBox' });
  const uid = await harness.deliver(multipart, 'BinaryBox');
  await withClient(async (c) => {
    await c.mailboxOpen('BinaryBox');
    const m = await c.fetchOne(String(uid), { bodyParts: ['2', '1'] }, { uid: true, binary: true });
    const parts = m ? m.bodyParts : undefined;
    assert.ok(parts);
    assert.deepEqual([...parts.get('2')!], [0, 1, 2, 3, 4, 5]);
    assert.equal(parts.get('1')!.toString(), 'The quarterly numbers.');
    const withNul = Buffer.concat([Buffer.from('Subject: nul\r\n\r\n'), Buffer.from([0, 0x41, 0]), Buffer.from('\r\n')]);
    const appended = await c.append('BinaryBox', withNul);
    assert.ok(appended);
    assert.deepEqual(await harness.store.readMessage(demoUser, 'BinaryBox', appended.uid!), withNul);
  });
});

test('SEARCH by header, body, flags and UID', async () => {
  await harness.ok({ type: 'mailbox.create', user: demoUser, mailbox: 'SearchBox' });
  const u1 = await harness.deliver(sampleMessage(1, { from: 'alice@example.org', body: 'apples and pears' }), 'SearchBox');
  const u2 = await harness.deliver(sampleMessage(2, { from: 'bob@example.org', body: 'only pears' }), 'SearchBox');
  const u3 = await harness.deliver(sampleMessage(3, { from: 'alice@example.org', subject: 'Lunch', body: 'soup' }), 'SearchBox');
  await withClient(async (c) => {
    await c.mailboxOpen('SearchBox');
    assert.deepEqual(await c.search({ from: 'alice' }, { uid: true }), [u1, u3]);
    assert.deepEqual(await c.search({ body: 'pears' }, { uid: true }), [u1, u2]);
    assert.deepEqual(await c.search({ subject: 'lunch' }), [3]);
    await c.messageFlagsAdd(String(u2), ['\\Seen'], { uid: true });
    assert.deepEqual(await c.search({ seen: false }, { uid: true }), [u1, u3]);
    assert.deepEqual(await c.search({ or: [{ from: 'bob' }, { subject: 'lunch' }] }, { uid: true }), [u2, u3]);
    assert.deepEqual(await c.search({ uid: `${u2}:*` }, { uid: true }), [u2, u3]);
  });
});

test('STORE adds, removes and replaces flags and keywords', async () => {
  await harness.ok({ type: 'mailbox.create', user: demoUser, mailbox: 'StoreBox' });
  const uid = await harness.deliver(sampleMessage(1), 'StoreBox');
  await withClient(async (c) => {
    await c.mailboxOpen('StoreBox');
    await c.messageFlagsAdd(String(uid), ['\\Flagged', '$Label1'], { uid: true });
    let m = await c.fetchOne(String(uid), { flags: true }, { uid: true });
    assert.deepEqual(m && [...m.flags!].sort(), ['$Label1', '\\Flagged']);
    await c.messageFlagsRemove(String(uid), ['$Label1'], { uid: true });
    await c.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
    m = await c.fetchOne(String(uid), { flags: true }, { uid: true });
    assert.deepEqual(m && [...m.flags!].sort(), ['\\Flagged', '\\Seen']);
    await c.messageFlagsSet(String(uid), ['\\Answered'], { uid: true });
    m = await c.fetchOne(String(uid), { flags: true }, { uid: true });
    assert.deepEqual(m && [...m.flags!], ['\\Answered']);
  });
  assert.deepEqual(harness.store.listMessages(demoUser, 'StoreBox')[0]!.flags, ['\\Answered']);
});

test('COPY and MOVE return the new UIDs (UIDPLUS) and MOVE expunges the source', async () => {
  await harness.ok({ type: 'mailbox.create', user: demoUser, mailbox: 'CopyFrom' });
  await harness.ok({ type: 'mailbox.create', user: demoUser, mailbox: 'CopyTo' });
  const a = await harness.deliver(sampleMessage(1), 'CopyFrom');
  const b = await harness.deliver(sampleMessage(2), 'CopyFrom');
  await withClient(async (c) => {
    await c.mailboxOpen('CopyFrom');
    const copied = await c.messageCopy(`${a}:${b}`, 'CopyTo', { uid: true });
    assert.ok(copied);
    assert.deepEqual([...copied.uidMap!.entries()], [[a, 1], [b, 2]]);
    const moved = await c.messageMove(String(a), 'CopyTo', { uid: true });
    assert.ok(moved);
    assert.deepEqual([...moved.uidMap!.entries()], [[a, 3]]);
    assert.equal(c.mailbox && c.mailbox.exists, 1);
  });
  assert.deepEqual(harness.store.listMessages(demoUser, 'CopyFrom').map((m) => m.uid), [b]);
  assert.deepEqual(harness.store.listMessages(demoUser, 'CopyTo').map((m) => m.uid), [1, 2, 3]);
});

test('EXPUNGE (messageDelete) removes exactly the named messages', async () => {
  await harness.ok({ type: 'mailbox.create', user: demoUser, mailbox: 'DeleteBox' });
  const uids = [await harness.deliver(sampleMessage(1), 'DeleteBox'), await harness.deliver(sampleMessage(2), 'DeleteBox'), await harness.deliver(sampleMessage(3), 'DeleteBox')];
  await withClient(async (c) => {
    await c.mailboxOpen('DeleteBox');
    const expunged: number[] = [];
    c.on('expunge', (e: { seq?: number; uid?: number }) => expunged.push(e.uid ?? e.seq ?? -1));
    assert.equal(await c.messageDelete(String(uids[1]), { uid: true }), true);
    assert.equal(c.mailbox && c.mailbox.exists, 2);
    assert.deepEqual(expunged, [uids[1]]);
  });
  assert.deepEqual(harness.store.listMessages(demoUser, 'DeleteBox').map((m) => m.uid), [uids[0], uids[2]]);
});

test('APPEND stores bytes, flags and date and returns APPENDUID', async () => {
  const raw = sampleMessage(7, { subject: 'Appended' });
  const date = new Date('2026-02-03T04:05:06Z');
  await withClient(async (c) => {
    const result = await c.append('Drafts', raw, ['\\Draft', '$Pending'], date);
    assert.ok(result);
    const record = harness.store.getMailbox(demoUser, 'Drafts')!;
    assert.equal(Number(result.uidValidity), record.uidValidity);
    const stored = harness.store.listMessages(demoUser, 'Drafts').find((m) => m.uid === result.uid)!;
    assert.deepEqual(stored.flags, ['\\Draft', '$Pending']);
    assert.equal(stored.internalDateMs, date.getTime());
    assert.equal((await harness.store.readMessage(demoUser, 'Drafts', result.uid!)).toString(), raw);
  });
});

test('IDLE tells the client about a delivery by another writer within a second', async () => {
  await harness.ok({ type: 'mailbox.create', user: demoUser, mailbox: 'IdleBox' });
  await withClient(async (c) => {
    await c.mailboxOpen('IdleBox');
    const exists = new Promise<number>((resolve) => c.on('exists', (e: { count: number }) => resolve(e.count)));
    const idling = c.idle();
    await new Promise((resolve) => setTimeout(resolve, 50)); // let IDLE start
    const started = Date.now();
    // A message.deliver proposal through the command log stands in for SMTP here.
    await harness.deliver(sampleMessage(1), 'IdleBox');
    assert.equal(await exists, 1);
    assert.ok(Date.now() - started < 1000, `EXISTS took ${Date.now() - started} ms`);
    await c.noop(); // ends IDLE
    await idling;
  });
});

test('QRESYNC: a reconnecting client learns vanished UIDs and changed flags at SELECT', async () => {
  await harness.ok({ type: 'mailbox.create', user: demoUser, mailbox: 'SyncBox' });
  const uids: number[] = [];
  for (let n = 1; n <= 4; n++) uids.push(await harness.deliver(sampleMessage(n), 'SyncBox'));
  const state = await withClient(async (c) => {
    const box = await c.mailboxOpen('SyncBox');
    return { uidValidity: box.uidValidity, highestModseq: box.highestModseq };
  }, { qresync: true });
  // Another session changes the mailbox while the first one is away.
  await withClient(async (c) => {
    await c.mailboxOpen('SyncBox');
    await c.messageFlagsAdd(String(uids[2]), ['\\Flagged'], { uid: true });
    await c.messageDelete(`${uids[0]},${uids[3]}`, { uid: true });
  });
  await withClient(async (c) => {
    const vanished: number[] = [];
    const flags: Array<[number, string[]]> = [];
    c.on('expunge', (e: { uid?: number; earlier?: boolean }) => { if (e.earlier && e.uid) vanished.push(e.uid); });
    c.on('flags', (e: { uid?: number; flags: Set<string> }) => flags.push([e.uid ?? 0, [...e.flags]]));
    const box = await c.mailboxOpen('SyncBox', { uidValidity: state.uidValidity, changedSince: state.highestModseq });
    assert.equal(box.exists, 2);
    assert.deepEqual(vanished.sort((x, y) => x - y), [uids[0], uids[3]]);
    assert.deepEqual(flags, [[uids[2], ['\\Flagged']]]);
  }, { qresync: true });
});
