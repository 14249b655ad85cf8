// Goal: the archive reader accepts exactly what the format describes and refuses (SnapshotCorruptError) bad magic, unsafe paths, oversized headers, misplaced or miscounted entries, bad checksums, truncation and trailing bytes — before anything reaches the disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { limits } from '@tandem/config';
import type { SnapshotHeader } from './snapshot-archive.js';
import { encodeHeader, readArchive, snapshotMagic } from './snapshot-archive.js';
import { MailStore } from './mail-store.js';
import { SnapshotCorruptError } from './store-errors.js';
import { makeTempDir } from './store-test-fixture.js';

type Entry = [SnapshotHeader, string?];

/** An archive of these entries, with a correct end entry unless `end` overrides it. */
function archive(entries: Entry[], end?: Partial<{ entries: number; sha256: string }>): Buffer {
  const parts: Buffer[] = [snapshotMagic];
  for (const [header, data = ''] of entries) {
    const bytes = Buffer.from(data);
    parts.push(encodeHeader(header), bytes, createHash('sha256').update(bytes).digest());
  }
  const sha256 = createHash('sha256').update(Buffer.concat(parts)).digest('hex');
  parts.push(encodeHeader({ type: 'end', entries: entries.length, sha256, ...end }), createHash('sha256').digest());
  return Buffer.concat(parts);
}

const rows = `${JSON.stringify(['meta', { appliedIndex: 5, lastResult: null }])}\n`;
const base: Entry[] = [
  [{ type: 'snapshot', format: 1, appliedIndex: 5 }],
  [{ type: 'index', size: Buffer.byteLength(rows), rows: 1 }, rows],
  [{ type: 'dir', path: 'example.test' }],
  [{ type: 'file', path: 'example.test/a', size: 5 }, 'hello'],
];

function indexEntry(...indexRows: unknown[]): Entry {
  const text = indexRows.map((r) => `${JSON.stringify(r)}\n`).join('');
  return [{ type: 'index', size: Buffer.byteLength(text), rows: indexRows.length }, text];
}

async function read(bytes: Buffer, pieceBytes = 7): Promise<{ index: number; seen: string[] }> {
  const seen: string[] = [];
  const pieces = async function* () { for (let at = 0; at < bytes.length; at += pieceBytes) yield bytes.subarray(at, at + pieceBytes); };
  const index = await readArchive(pieces(), 'test', {
    entry: async (h, data) => {
      let text = '';
      if (data) for await (const b of data) text += b.toString();
      seen.push(`${h.type}:${'path' in h ? h.path : ''}:${text.length}`);
    },
  });
  return { index, seen };
}

test('a well-formed archive is read entry by entry, in any piece sizes', async () => {
  for (const pieceBytes of [1, 7, 4096]) {
    assert.deepEqual(await read(archive(base), pieceBytes), {
      index: 5, seen: ['snapshot::0', `index::${Buffer.byteLength(rows)}`, 'dir:example.test:0', 'file:example.test/a:5', 'end::0'],
    });
  }
});

test('malformed archives are refused', async () => {
  const good = archive(base);
  const cases: Array<[string, Buffer, RegExp]> = [
    ['bad magic', Buffer.concat([Buffer.from('TNDMSNP9'), good.subarray(8)]), /bad magic/],
    ['path traversal', archive([base[0]!, [{ type: 'dir', path: 'example.test/../../etc' }]]), /bad entry header/],
    ['absolute path', archive([base[0]!, [{ type: 'file', path: '/etc/passwd', size: 1 }, 'x']]), /bad entry header/],
    ['empty path component', archive([base[0]!, [{ type: 'dir', path: 'a//b' }]]), /bad entry header/],
    ['snapshot header not first', archive([base[2]!, base[0]!]), /must come first/],
    ['two snapshot headers', archive([base[0]!, base[0]!]), /must come first/],
    ['unknown format', archive([[{ type: 'snapshot', format: 2, appliedIndex: 5 }]]), /unknown format/],
    ['wrong entry count', archive(base, { entries: 3 }), /end says 3 entries/],
    ['wrong archive checksum', archive(base, { sha256: '0'.repeat(64) }), /archive checksum mismatch/],
    ['data checksum', (() => { const b = Buffer.from(good); b[b.indexOf('hello')]! ^= 1; return b; })(), /checksum mismatch in file entry/],
    ['truncated', good.subarray(0, good.length - 1), /truncated/],
    ['trailing bytes', Buffer.concat([good, Buffer.from([0])]), /after the end entry/],
    ['oversized header', Buffer.concat([snapshotMagic, Buffer.from([0, 0x10, 0, 0])]), /entry header of/],
    ['header not JSON', Buffer.concat([snapshotMagic, Buffer.from([0, 0, 0, 2]), Buffer.from('{x')]), /not JSON/],
    ['unknown entry type', Buffer.concat([snapshotMagic, Buffer.from([0, 0, 0, 16]), Buffer.from('{"type":"fifo"} ')]), /bad entry header/],
  ];
  assert.ok(limits.snapshotHeaderBytesMax < 0x100000);
  for (const [name, bytes, reason] of cases) {
    await assert.rejects(read(bytes), (err: Error) => err instanceof SnapshotCorruptError && reason.test(err.message), name);
  }
});

test('restore refuses links to files the archive has not given, and duplicates; nothing is left behind', async () => {
  const tmp = await makeTempDir('archive-restore');
  try {
    const bad: Array<[string, Entry[], RegExp]> = [
      ['link to a later file', [...base.slice(0, 3), [{ type: 'link', path: 'example.test/b', target: 'example.test/c' }], [{ type: 'file', path: 'example.test/c', size: 1 }, 'c']], /not an earlier file/],
      ['duplicate file', [...base, [{ type: 'file', path: 'example.test/a', size: 1 }, 'x']], /appears twice/],
      ['index row count', [base[0]!, [{ type: 'index', size: Buffer.byteLength(rows), rows: 2 }, rows]], /1 index rows, the archive says 2/],
      ['index at another log index', [base[0]!, indexEntry(['meta', { appliedIndex: 4, lastResult: null }])], /index is at 4, the archive says 5/],
      ['index row not a pair', [base[0]!, indexEntry([1])], /bad index row/],
      ['unknown index key', [base[0]!, indexEntry(['meta', { appliedIndex: 5, lastResult: null }], ['evil\u0000key', {}])], /unknown index key/],
    ];
    for (const [name, entries, reason] of bad) {
      await writeFile(join(tmp.dir, 'bad.tsnap'), archive(entries));
      await assert.rejects(MailStore.restoreSnapshot(join(tmp.dir, 'data'), join(tmp.dir, 'bad.tsnap')), (err: Error) => err instanceof SnapshotCorruptError && reason.test(err.message), name);
      assert.deepEqual(await readdir(join(tmp.dir, 'data')), [], name);
    }
    await writeFile(join(tmp.dir, 'good.tsnap'), archive([...base, [{ type: 'link', path: 'example.test/b', target: 'example.test/a' }]]));
    const summary = await MailStore.restoreSnapshot(join(tmp.dir, 'data'), join(tmp.dir, 'good.tsnap'), { appliedIndex: 5 });
    assert.deepEqual(summary, { appliedIndex: 5, snapshotIndex: 5, indexRows: 1, dirs: 1, files: 1, links: 1 });
    const store = await MailStore.open({ dataDir: join(tmp.dir, 'data') });
    assert.equal(store.appliedIndex, 5);
    await store.close();
  } finally {
    await tmp.remove();
  }
});
