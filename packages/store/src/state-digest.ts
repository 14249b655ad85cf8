/**
 * One sha256 over everything that makes up a store's state: every index row in key order, then
 * every directory and file of the durable Maildir tree (store-tree.ts) with its name, size and
 * content hash. Two stores built from the same log are equal exactly when their digests are (the
 * HA checker's "both data nodes end with identical stores"). How files share inodes (hard links)
 * is not state and does not count, nor does the node's own checkpoint row (index-rows.ts).
 *
 * Canonical input, line by line:
 *   R <JSON [key, value]>
 *   D <JSON path>
 *   F <JSON path> <size> <sha256 of the bytes>
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Level } from 'level';
import { walkStoreTree } from './store-tree.js';
import { isLocalKey } from './index-rows.js';

export async function computeStateDigest(db: Level<string, unknown>, mailRoot: string): Promise<string> {
  const digest = createHash('sha256');
  for await (const [key, value] of db.iterator()) {
    if (!isLocalKey(key)) digest.update(`R ${JSON.stringify([key, value])}\n`);
  }
  for (const e of await walkStoreTree(mailRoot)) {
    if (e.kind === 'dir') { digest.update(`D ${JSON.stringify(e.path)}\n`); continue; }
    digest.update(`F ${JSON.stringify(e.path)} ${e.sizeBytes} ${await fileSha256(join(mailRoot, e.path), e.sizeBytes)}\n`);
  }
  return digest.digest('hex');
}

async function fileSha256(path: string, sizeBytes: number): Promise<string> {
  const hash = createHash('sha256');
  if (sizeBytes <= 1024 * 1024) hash.update(await readFile(path));
  else for await (const piece of createReadStream(path, { highWaterMark: 256 * 1024 })) hash.update(piece as Buffer);
  return hash.digest('hex');
}
