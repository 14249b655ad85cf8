// Goal: SEARCH header keys give the same answers from the message cache as from the files (decoded, case-insensitive), a second SEARCH reads no file, and BODY/TEXT still read and decode the bodies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SearchKey } from '../wire/search-key.js';
import { MessageCache } from './message-cache.js';
import { MessageFileReader, defaultMessageFileReaderOptions } from './message-file-reader.js';
import { MessageSource } from './message-source.js';
import { searchMessages } from './search-evaluator.js';
import type { SelectedMessage, ViewMessage } from './selected-mailbox.js';

const messages = [
  ['Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_Z=C3=BCrich?=', 'From: Anna <anna@example.org>', '', 'plain body'],
  ['Subject: Invoice 12', 'From: =?ISO-8859-1?Q?Fran=E7ois?= <f@example.org>', 'MIME-Version: 1.0', 'Content-Transfer-Encoding: quoted-printable', '', 'the quetz=\r\nalcoatlus word'],
  ['Subject: invoice 7', 'From: Bob <bob@example.org>', 'X-Tag: Blue', '', 'nothing here'],
].map((lines) => Buffer.from(lines.join('\r\n') + '\r\n'));

async function withMailbox(run: (targets: SelectedMessage[], source: MessageSource, reader: MessageFileReader, dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tandem-imap-search-'));
  try {
    const targets: SelectedMessage[] = [];
    for (const [i, bytes] of messages.entries()) {
      await writeFile(join(dir, `m${i + 1}`), bytes);
      const message: ViewMessage = { uid: i + 1, flags: [], modSeq: 1, sizeBytes: bytes.length, internalDateMs: 0, file: `m${i + 1}`, expunged: false, recent: false };
      targets.push({ seq: i + 1, message });
    }
    const reader = new MessageFileReader(defaultMessageFileReaderOptions);
    await run(targets, new MessageSource(new MessageCache(100, 1_000_000), reader), reader, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function uids(targets: SelectedMessage[], source: MessageSource, dir: string, ...keys: SearchKey[]): Promise<number[]> {
  const scope = { count: targets.length, lastUid: targets.length, savedUids: new Set<number>() };
  const found = await searchMessages(targets, keys, scope, source, (m: ViewMessage) => join(dir, m.file));
  return found.map((t) => t.message.uid);
}

const reads = (r: MessageFileReader): number => r.counts.sync + r.counts.async;

test('header keys match decoded text, case-insensitively, the same from the cache as from the files', async () => {
  await withMailbox(async (targets, source, reader, dir) => {
    const cases: Array<[SearchKey, number[]]> = [
      [{ key: 'SUBJECT', value: 'GRÜSSE' }, []], // no case folding beyond lower-casing (ß stays ß)
      [{ key: 'SUBJECT', value: 'grüße aus' }, [1]],
      [{ key: 'SUBJECT', value: 'INVOICE' }, [2, 3]],
      [{ key: 'FROM', value: 'françois' }, [2]],
      [{ key: 'HEADER', field: 'x-tag', value: 'blue' }, [3]],
      [{ key: 'HEADER', field: 'X-TAG', value: '' }, [3]],
      [{ key: 'OR', left: { key: 'FROM', value: 'anna' }, right: { key: 'SUBJECT', value: '7' } }, [1, 3]],
    ];
    const fromFiles = [];
    for (const [key] of cases) fromFiles.push(await uids(targets, source, dir, key));
    const readsAfterFirstPass = reads(reader);
    assert.ok(readsAfterFirstPass > 0);
    for (const [i, [key, expected]] of cases.entries()) {
      assert.deepEqual(fromFiles[i], expected, `from the files: ${JSON.stringify(key)}`);
      assert.deepEqual(await uids(targets, source, dir, key), expected, `from the cache: ${JSON.stringify(key)}`);
    }
    assert.equal(reads(reader), readsAfterFirstPass, 'the second pass read no file');
  });
});

test('BODY and TEXT read the whole message and match the decoded body text', async () => {
  await withMailbox(async (targets, source, reader, dir) => {
    assert.deepEqual(await uids(targets, source, dir, { key: 'BODY', value: 'QUETZALCOATLUS' }), [2]); // across a soft line break
    assert.deepEqual(await uids(targets, source, dir, { key: 'TEXT', value: 'zürich' }), [1]); // a header word
    const before = reads(reader);
    assert.deepEqual(await uids(targets, source, dir, { key: 'SUBJECT', value: 'invoice' }, { key: 'BODY', value: 'nothing' }), [3]);
    assert.equal(reads(reader) - before, 3, 'BODY reads every message the index cannot rule out');
  });
});

test('a message whose file is gone (expunged, not yet announced) matches no header or body key', async () => {
  await withMailbox(async (targets, source, _reader, dir) => {
    await rm(join(dir, 'm3'));
    assert.deepEqual(await uids(targets, source, dir, { key: 'SUBJECT', value: 'invoice' }), [2]);
    assert.deepEqual(await uids(targets, source, dir, { key: 'BODY', value: 'nothing' }), []);
  });
});
