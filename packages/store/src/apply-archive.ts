/**
 * apply() for the mail archive: while it is enabled (archive.configure), every message the server
 * accepts — delivered, sent elsewhere, or held for review — gets a journal record in the same
 * batch as its delivery, so nothing can be delivered and not journaled, on any node.
 *
 * The record chain: each record's `hash` is sha256 over its fields and the previous record's
 * hash (the first one's previous is 64 zeros), and `archhead` keeps the last. Changing, removing
 * or reordering a record, or a message's bytes (their sha256 is in the record), breaks the chain
 * from there on, which `tandem archive verify` finds (packages/archive).
 *
 * The message itself is a hard link of the delivered file in `<data>/mail/.archive/new/`, named
 * like a delivery's so the log's redo rewrites it after a power cut: journaling costs one link, no
 * second copy and no compression on the apply path. (DESIGN §5 asks for compressed,
 * content-addressed blobs; docs/architecture.md says why this departs from it.) A user's expunge
 * removes their name for the file, not the archive's.
 *
 * Retention (archive.expire, proposed by the serving node) drops the link of records older than
 * the retention and under no legal hold; the record stays, marked expired, so the chain still
 * verifies end to end.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { limits } from '@tandem/config';
import type { ArchiveConfigure, ArchiveExpire, ArchiveHoldAdd, ArchiveHoldRemove } from './command.js';
import type { ApplyResult } from './apply-result.js';
import type { ApplyContext } from './apply-context.js';
import type { ArchiveHoldRow, ArchiveRow } from './index-rows.js';
import { keys } from './index-rows.js';
import { matchesAddressPattern, parseAliasSource } from './address.js';
import { headerFields } from './header-fields.js';
import { archiveFolder } from './store-paths.js';

export const genesisHash = '0'.repeat(64);
const holdNameRe = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** The hash of a record: its fields in a fixed order, and the previous hash (packages/archive recomputes it the same way). */
export function archiveRecordHash(r: Omit<ArchiveRow, 'hash' | 'file' | 'expiredMs'>): string {
  const fields = [r.seq, r.index, r.timestampMs, r.queueId, r.mailFrom, r.rcptTo, r.sizeBytes, r.sha256, r.subject, r.from, r.messageId, r.prevHash];
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}

/**
 * Journals a message being accepted in this command, when the archive is on: the record, and the
 * path (relative to the archive folder) the caller gives the message file as one more name.
 * Undefined when the archive is off.
 */
export function journal(ctx: ApplyContext, m: { queueId: string; mailFrom: string; rcptTo: string[]; bytes: Uint8Array; fileName: string }): string | undefined {
  if (!ctx.mirror.archiveConfig?.enabled) return undefined;
  const head = ctx.mirror.archiveHead;
  const fields = headerFields(m.bytes, ['subject', 'from', 'message-id'], limits.archiveHeaderCharsMax);
  const base = {
    seq: (head?.seq ?? 0) + 1, index: ctx.index, timestampMs: ctx.timestampMs, queueId: m.queueId, mailFrom: m.mailFrom, rcptTo: m.rcptTo,
    sizeBytes: m.bytes.length, sha256: createHash('sha256').update(m.bytes).digest('hex'),
    subject: fields.get('subject')!, from: fields.get('from')!, messageId: fields.get('message-id')!, prevHash: head?.hash ?? genesisHash,
  };
  const file = `new/${m.fileName}`;
  const row: ArchiveRow = { ...base, hash: archiveRecordHash(base), file };
  ctx.put(keys.archive(row.seq), row);
  ctx.put(keys.archiveHead, { seq: row.seq, hash: row.hash });
  return file;
}

export function applyArchiveConfigure(ctx: ApplyContext, cmd: ArchiveConfigure): Promise<ApplyResult> {
  if (typeof cmd.enabled !== 'boolean') return Promise.resolve(ctx.fail('INVALID', 'enabled must be true or false'));
  if (cmd.retentionDays !== undefined && !(Number.isInteger(cmd.retentionDays) && cmd.retentionDays >= 1)) {
    return Promise.resolve(ctx.fail('INVALID', 'retentionDays must be a whole number of days, at least 1 (absent: kept forever)'));
  }
  ctx.put(keys.archiveConfig, { enabled: cmd.enabled, changedMs: ctx.timestampMs, ...(cmd.retentionDays !== undefined ? { retentionDays: cmd.retentionDays } : {}) });
  return Promise.resolve(ctx.ok(null));
}

export function applyArchiveHoldAdd(ctx: ApplyContext, cmd: ArchiveHoldAdd): Promise<ApplyResult> {
  if (typeof cmd.name !== 'string' || !holdNameRe.test(cmd.name)) return Promise.resolve(ctx.fail('INVALID', 'a hold name is 1–64 of a-z 0-9 . _ -, starting with a letter or digit'));
  if (ctx.mirror.archiveHolds.has(cmd.name)) return Promise.resolve(ctx.fail('EXISTS', `legal hold ${cmd.name} exists`));
  const custodian = parseAliasSource(cmd.custodian).source; // an address or "@domain"; throws → INVALID
  const row: ArchiveHoldRow = { name: cmd.name, custodian, reason: String(cmd.reason ?? '').slice(0, limits.archiveHeaderCharsMax), createdMs: ctx.timestampMs };
  ctx.put(keys.archiveHold(cmd.name), row);
  return Promise.resolve(ctx.ok(null));
}

export function applyArchiveHoldRemove(ctx: ApplyContext, cmd: ArchiveHoldRemove): Promise<ApplyResult> {
  if (!ctx.mirror.archiveHolds.has(cmd.name)) return Promise.resolve(ctx.fail('NOTFOUND', `no legal hold ${cmd.name}`));
  ctx.del(keys.archiveHold(cmd.name));
  return Promise.resolve(ctx.ok(null));
}

/** True when a legal hold covers the record: its sender or a recipient is the custodian (or in the custodian's domain). */
export function underHold(row: Pick<ArchiveRow, 'mailFrom' | 'rcptTo'>, holds: Iterable<ArchiveHoldRow>): boolean {
  for (const hold of holds) {
    if ([row.mailFrom, ...row.rcptTo].some((a) => matchesAddressPattern(hold.custodian, a))) return true;
  }
  return false;
}

export function applyArchiveExpire(ctx: ApplyContext, cmd: ArchiveExpire): Promise<ApplyResult> {
  if (!Number.isFinite(cmd.beforeMs)) return Promise.resolve(ctx.fail('INVALID', 'beforeMs must be a number'));
  let count = 0;
  const holds = [...ctx.mirror.archiveHolds.values()];
  for (const row of ctx.mirror.archive.values()) {
    if (row.timestampMs >= cmd.beforeMs) break; // ascending by seq, and so by time
    if (row.file === null || underHold(row, holds)) continue;
    if (count >= limits.archiveExpirePerCommandMax) break;
    ctx.put(keys.archive(row.seq), { ...row, file: null, expiredMs: ctx.timestampMs });
    ctx.retire(`${archiveFolder}/${row.file}`);
    count++;
  }
  return Promise.resolve(ctx.ok({ count }));
}

/** The journal's name for a message file, for placeMessageFile's list of names. */
export function archivePath(ctx: ApplyContext, file: string): string {
  return join(ctx.paths.archiveDir, file);
}
