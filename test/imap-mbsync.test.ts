// Goal: Debian's mbsync syncs a 1,000-message Tandem mailbox both ways over IMAPS: every message arrives byte for byte, flags round-trip in both directions, and a repeated sync changes nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { ImapServer } from '@tandem/imap';
import { LocalCommandLog, MailStore, hashPassword } from '@tandem/store';
import type { ApplyResult, Command } from '@tandem/store';
import { generateMailbox } from './support/mailbox-generator.js';
import type { GeneratedMessage } from './support/mailbox-generator.js';
import { MbsyncChannel, lettersOf } from './fixtures/mbsync-channel.js';
import { SeededRandom, testSeed } from './support/seeded-random.js';

const messageCount = 1000;
const user = 'sync@example.test';
const password = 'mbsync-test-password';
const seed = testSeed();
const random = new SeededRandom(seed);
const context = `(seed ${seed}; rerun with TANDEM_SEED=${seed})`;
console.log(`imap-mbsync: seed ${seed}`);

let dir: string;
let store: MailStore;
let log: LocalCommandLog;
let server: ImapServer;
let channel: MbsyncChannel;
let messages: GeneratedMessage[];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tandem-mbsync-'));
  messages = generateMailbox({ seed, count: messageCount, sizeBytesMax: 20 * 1024 });
  store = await MailStore.open({ dataDir: join(dir, 'data') });
  log = await LocalCommandLog.open({ dir: join(dir, 'data', 'log'), store });
  await propose({ type: 'domain.add', domain: 'example.test' });
  await propose({ type: 'user.add', address: user, passwordHash: await hashPassword(password) });
  // In flight together so group commit batches them; the log applies them in this order, so
  // message n gets UID n.
  await Promise.all(messages.map((m) => propose({
    type: 'message.append', user, mailbox: 'INBOX', message: m.bytes, flags: m.flags, internalDateMs: m.internalDateMs,
  })));

  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec', curve: 'P-256', algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }],
  });
  const certificateFile = join(dir, 'server-cert.pem');
  await writeFile(certificateFile, pems.cert);
  // Implicit TLS (RFC 8314), the production path: no plaintext LOGIN exception needed.
  server = new ImapServer({ reader: store, commandLog: log, tls: { key: pems.private, cert: pems.cert }, host: '127.0.0.1', ports: { imap: null, imaps: 0 } });
  await server.listen();
  channel = await MbsyncChannel.create(join(dir, 'mbsync'), {
    port: server.address('imaps').port, user, password, sslType: 'IMAPS', certificateFile,
  });
});

after(async () => {
  await server?.close();
  await log?.close();
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Proposed = DistributiveOmit<Command, 'timestampMs'>;

async function propose(command: Proposed): Promise<ApplyResult> {
  const result = await log.propose({ ...command, timestampMs: Date.now() } as Command);
  assert.ok(result.ok, `${command.type}: ${JSON.stringify(result)}`);
  return result;
}

function serverFlags(): Map<number, string> {
  return new Map(store.listMessages(user, 'INBOX').map((m) => [m.uid, lettersOf(m.flags)]));
}

/** mbsync writes Maildir files with LF line ends (isync strips the CR of CRLF). */
function withLf(bytes: Buffer): string {
  return bytes.toString('latin1').replace(/\r\n/g, '\n');
}

/**
 * A near-side copy as mbsync writes it, back to the message it copied: LF line ends, and the one
 * "X-TUID:" header isync adds at the end of the header section of each message it propagates
 * (its transaction id for finding the message again after an interrupted sync).
 */
function localAsOriginal(bytes: Buffer): string {
  const text = withLf(bytes);
  const headerEnd = text.indexOf('\n\n');
  const header = text.slice(0, headerEnd + 1);
  const tuid = /^X-TUID: [A-Za-z0-9+/]+\n/m.exec(header);
  assert.ok(tuid, `mbsync's X-TUID header in ${header.slice(0, 200)}`);
  return header.slice(0, tuid.index) + header.slice(tuid.index + tuid[0].length) + text.slice(headerEnd + 1);
}

/** Picks `count` distinct UIDs in 1..messageCount. */
function pickUids(count: number, exclude: ReadonlySet<number> = new Set()): number[] {
  const picked = new Set<number>();
  while (picked.size < count) {
    const uid = random.int(1, messageCount);
    if (!exclude.has(uid)) picked.add(uid);
  }
  return [...picked].sort((a, b) => a - b);
}

/** A different flag set: toggles \Flagged and \Seen, and sets \Answered on some. */
function changedLetters(letters: string): string {
  const set = new Set(letters);
  for (const letter of ['F', 'S']) if (set.has(letter)) set.delete(letter); else set.add(letter);
  if (random.next() < 0.5) set.add('R');
  return [...set].sort().join('');
}

const locallyChanged = new Set<number>();

test('the first sync brings every message, byte for byte, with its flags', async () => {
  const uids = store.listMessages(user, 'INBOX').map((m) => m.uid);
  assert.deepEqual(uids, messages.map((_, i) => i + 1), 'Tandem gave UIDs 1..n in append order');
  await channel.sync();
  const local = await channel.localMessages();
  assert.equal(local.size, messageCount, `messages in the local Maildir ${context}`);
  const flags = serverFlags();
  for (let uid = 1; uid <= messageCount; uid++) {
    const message = local.get(uid);
    assert.ok(message, `UID ${uid} missing locally ${context}`);
    assert.equal(localAsOriginal(await channel.readLocal(message)), withLf(messages[uid - 1]!.bytes), `bytes of UID ${uid} ${context}`);
    assert.equal(message.letters, flags.get(uid), `flags of UID ${uid} ${context}`);
  }
});

test('flags changed in the local Maildir reach the server', async () => {
  const local = await channel.localMessages();
  const expected = new Map<number, string>();
  for (const uid of pickUids(30)) {
    const message = local.get(uid)!;
    const letters = changedLetters(message.letters);
    await channel.setLocalFlags(message, letters);
    expected.set(uid, letters);
    locallyChanged.add(uid);
  }
  const before = serverFlags();
  const { commands } = await channel.sync();
  assert.ok(commands.some((c) => c.startsWith('UID STORE')), `mbsync sent UID STORE ${context}`);
  const after = serverFlags();
  for (const [uid, letters] of after) {
    assert.equal(letters, expected.get(uid) ?? before.get(uid), `server flags of UID ${uid} ${context}`);
  }
});

test('flags changed on the server reach the local file names', async () => {
  const expected = new Map<number, string>();
  const letterFlags: Record<string, string> = { F: '\\Flagged', R: '\\Answered', S: '\\Seen' };
  const flags = serverFlags();
  for (const uid of pickUids(30, locallyChanged)) {
    const letters = changedLetters(flags.get(uid)!);
    expected.set(uid, letters);
    await propose({ type: 'message.store', user, mailbox: 'INBOX', uids: [uid], operation: 'replace', flags: [...letters].map((l) => letterFlags[l]!) });
  }
  const before = await channel.localMessages();
  await channel.sync();
  const after = await channel.localMessages();
  assert.equal(after.size, messageCount, `messages in the local Maildir ${context}`);
  for (const [uid, message] of after) {
    assert.equal(message.letters, expected.get(uid) ?? before.get(uid)!.letters, `local flags of UID ${uid} ${context}`);
  }
  assert.deepEqual(new Map([...after].map(([uid, m]) => [uid, m.letters])), serverFlags(), `local and server flags agree ${context}`);
});

test('a second sync changes nothing on either side', async () => {
  const localBefore = await localSnapshot();
  const serverBefore = store.listMessages(user, 'INBOX');
  const appendedBefore = log.stats().appended;
  const { commands } = await channel.sync();
  // What mbsync sent: only reads (no APPEND, STORE, EXPUNGE, and no message bodies fetched).
  assert.ok(commands.includes(`UID FETCH 1:${messageCount} (UID FLAGS)`), `mbsync compared flags: ${JSON.stringify(commands)}`);
  const writes = commands.filter((c) => /^(APPEND|UID STORE|STORE|EXPUNGE|UID EXPUNGE)\b/.test(c) || /BODY/.test(c));
  assert.deepEqual(writes, [], `mbsync changed or fetched nothing ${context}`);
  assert.equal(log.stats().appended, appendedBefore, `no command reached the log ${context}`);
  assert.deepEqual(store.listMessages(user, 'INBOX'), serverBefore, `server mailbox unchanged ${context}`);
  assert.deepEqual(await localSnapshot(), localBefore, `local Maildir unchanged ${context}`);
});

/** Every message file in the local Maildir with the hash of its bytes (mbsync's state files left out). */
async function localSnapshot(): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  for (const sub of ['cur', 'new']) {
    for (const name of (await readdir(join(channel.maildir, sub))).sort()) {
      const bytes = await readFile(join(channel.maildir, sub, name));
      out.push([`${sub}/${name}`, createHash('sha256').update(bytes).digest('hex')]);
    }
  }
  return out;
}
