/**
 * Removing what committed batches retired (gc rows: expunged message files, deleted mailbox and
 * user trees). Runs only once the batch holding the gc rows is synced, so no replay after a power
 * loss can look for a file that is gone; the parents are fsynced so the removals are durable too,
 * and only then are the gc rows dropped. Idempotent: MailStore.open() finishes what a crash cut.
 */
import { dirname } from 'node:path';
import type { Level } from 'level';
import type { BatchOp } from './index-rows.js';
import type { IndexMirror } from './index-mirror.js';
import type { StorePaths } from './store-paths.js';
import { fsyncDir, removeTree } from './durable-fs.js';

export async function collectGarbage(mirror: IndexMirror, paths: StorePaths, db: Level<string, unknown>, gcKeys: readonly string[]): Promise<void> {
  if (gcKeys.length === 0) return;
  const parents = new Set<string>();
  for (const key of gcKeys) {
    const row = mirror.gc.get(key);
    if (!row) continue;
    const abs = paths.resolveUnderMail(row.path);
    await removeTree(abs);
    parents.add(dirname(abs));
  }
  for (const dir of parents) {
    try { await fsyncDir(dir); } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // the parent went too
    }
  }
  const ops: BatchOp[] = gcKeys.map((key) => ({ type: 'del', key }));
  await db.batch(ops);
  mirror.applyOps(ops);
}
