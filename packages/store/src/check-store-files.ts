/**
 * The store's central promise, checked from the outside (tests, `tandem` diagnostics, crash
 * checkers): every message row's file exists, and every file in a cur/ or new/ directory has a
 * row — the outbound queue's (`.queue/new/`), held messages' (`.review/new/`) and the archive
 * journal's (`.archive/new/`) included. Run it on a store whose log has been replayed (after LocalCommandLog.open): before that, a
 * crash may have left files of a command that is about to be applied again.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { MailStore } from './mail-store.js';

export interface StoreFilesReport { filesWithoutRow: string[]; rowsWithoutFile: string[] }

export async function checkStoreFiles(store: MailStore): Promise<StoreFilesReport> {
  const mailRoot = store.paths.mailRoot;
  const onDisk = new Set<string>();
  for (const entry of await readdir(mailRoot, { recursive: true, withFileTypes: true })) {
    const parent = entry.parentPath ?? (entry as unknown as { path: string }).path;
    const sub = parent.slice(parent.lastIndexOf('/') + 1);
    if (!entry.isDirectory() && (sub === 'cur' || sub === 'new')) onDisk.add(join(parent, entry.name));
  }
  const referenced = new Set<string>();
  const rowsWithoutFile: string[] = [];
  for (const user of store.listUsers()) {
    for (const box of store.listMailboxes(user.address)) {
      for (const m of store.listMessages(user.address, box.name)) {
        const path = store.messagePath(user.address, box.name, m.uid)!;
        referenced.add(path);
        if (!onDisk.has(path)) rowsWithoutFile.push(path);
      }
    }
  }
  const outOfMailboxes = [
    ...store.listQueue().map((e) => join(store.paths.queueDir, e.file)),
    ...store.listHeld().map((h) => join(store.paths.reviewDir, h.file)),
    ...[...store.archiveRecords()].flatMap((r) => (r.file === null ? [] : [join(store.paths.archiveDir, r.file)])),
  ];
  for (const path of outOfMailboxes) {
    referenced.add(path);
    if (!onDisk.has(path)) rowsWithoutFile.push(path);
  }
  return { filesWithoutRow: [...onDisk].filter((p) => !referenced.has(p)).sort(), rowsWithoutFile: rowsWithoutFile.sort() };
}
