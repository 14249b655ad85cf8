/**
 * The admin operations of the mail archive (`tandem archive …`): status, enable/disable with the
 * retention, legal holds, search, export to mbox and verify. Writes are commands proposed through
 * the log like every other change; search, export and verify read the applied journal
 * (@tandem/archive). An export goes under `<data>/exports/` (maildir-export.ts says why), written
 * to a `.partial` name, fsynced and renamed, so a file there under its final name is whole.
 */
import { access, open, rename } from 'node:fs/promises';
import { limits } from '@tandem/config';
import { mboxEntry, searchArchive, verifyArchive, writeMbox, type ArchiveQuery } from '@tandem/archive';
import { fsyncDir, type StoreReader } from '@tandem/store';
import { dirname } from 'node:path';
import { AdminRequestError } from './admin-errors.js';
import type { AdminHandler } from './admin-operations.js';
import { requiredText, type AdminArgs } from './admin-args.js';
import { newExportName } from './maildir-export.js';

export interface ArchiveAdminDeps {
  reader: StoreReader;
  dataDir: string | undefined;
  nowMs(): number;
  /** Proposes a command (timestamped by the caller) and answers as the admin API does. */
  propose(command: Record<string, unknown> & { type: string }): Promise<unknown>;
}

export function archiveAdminHandlers(deps: ArchiveAdminDeps): Record<string, AdminHandler> {
  const { reader } = deps;
  return {
    'archive.status': async () => {
      let records = 0;
      let expired = 0;
      for (const r of reader.archiveRecords()) { records++; if (r.file === null) expired++; }
      return { config: reader.archiveConfig() ?? { enabled: false }, records, expired, head: reader.archiveHead() ?? null, holds: reader.listArchiveHolds().length };
    },
    'archive.enable': async (args) => deps.propose({ type: 'archive.configure', enabled: true, ...retention(args) }),
    'archive.disable': async () => deps.propose({ type: 'archive.configure', enabled: false, ...retentionKept(reader) }),
    'archive.hold.list': async () => reader.listArchiveHolds(),
    'archive.hold.add': async (args) => deps.propose({ type: 'archive.hold.add', name: requiredText(args, 'name'), custodian: requiredText(args, 'custodian'), reason: typeof args.reason === 'string' ? args.reason : '' }),
    'archive.hold.remove': async (args) => deps.propose({ type: 'archive.hold.remove', name: requiredText(args, 'name') }),
    'archive.search': async (args) => searchArchive(reader, query(args), limits.archiveSearchResultsMax),
    'archive.verify': async () => verifyArchive(reader),
    'archive.export': async (args) => {
      if (deps.dataDir === undefined) throw new AdminRequestError(404, 'UNKNOWN_OPERATION', 'no data dir to export into');
      return exportMbox(reader, deps.dataDir, query(args), deps.nowMs());
    },
  };
}

function retention(args: AdminArgs): { retentionDays?: number } {
  const days = args.retentionDays;
  if (days === undefined || days === null) return {};
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1) throw new AdminRequestError(400, 'INVALID', 'retentionDays must be a whole number of days, at least 1');
  return { retentionDays: days };
}

/** Disabling keeps the retention: what was journaled still expires on schedule. */
function retentionKept(reader: StoreReader): { retentionDays?: number } {
  const days = reader.archiveConfig()?.retentionDays;
  return days === undefined ? {} : { retentionDays: days };
}

function query(args: AdminArgs): ArchiveQuery {
  const q: ArchiveQuery = {};
  for (const key of ['from', 'to', 'subject', 'text'] as const) {
    const value = args[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' || value === '') throw new AdminRequestError(400, 'INVALID', `${key} must be a non-empty string`);
    q[key] = value;
  }
  for (const key of ['sinceMs', 'untilMs'] as const) {
    const value = args[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new AdminRequestError(400, 'INVALID', `${key} must be a time in ms`);
    q[key] = value;
  }
  return q;
}

/** Every matching record that still has its message, oldest first, into one mbox file. */
async function exportMbox(reader: StoreReader, dataDir: string, q: ArchiveQuery, nowMs: number): Promise<{ path: string; messages: number; bytes: number; expiredSkipped: number }> {
  // The .partial name is taken with O_EXCL, and only where no finished export has the name either.
  const partial = await newExportName(dataDir, 'archive', '.mbox.partial', nowMs, async (p) => {
    if (await access(p.slice(0, -'.partial'.length)).then(() => true, () => false)) throw Object.assign(new Error('exists'), { code: 'EEXIST' });
    await (await open(p, 'wx', 0o600)).close();
  });
  const final = partial.slice(0, -'.partial'.length);
  const file = await open(partial, 'w', 0o600);
  let messages = 0;
  let expiredSkipped = 0;
  let bytes = 0;
  try {
    const { hits } = await searchArchive(reader, q, Number.MAX_SAFE_INTEGER);
    // writeFile on a handle writes all of it from the current position (write() may write part).
    bytes = await writeMbox((entry) => file.writeFile(entry), (async function* () {
      for (const hit of hits) {
        if (hit.expired) { expiredSkipped++; continue; }
        messages++;
        yield mboxEntry(hit.mailFrom, hit.timestampMs, await reader.readArchived(hit.seq));
      }
    })());
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(partial, final);
  await fsyncDir(dirname(final));
  return { path: final, messages, bytes, expiredSkipped };
}
