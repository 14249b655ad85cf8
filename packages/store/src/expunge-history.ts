/**
 * The per-mailbox history of expunged UIDs that QRESYNC needs (RFC 7162 §3.2): "the server MUST
 * associate the incremented mod-sequence with the UIDs of the expunged messages", so that SELECT
 * (QRESYNC ...) and UID FETCH (VANISHED) can name the UIDs expunged since the client's MODSEQ
 * (RFC 7162 §3.2.5.2, §3.2.6, §3.2.10).
 *
 * One row per expunging command and mailbox, keyed by the MODSEQ that command gave the mailbox,
 * written in the command's own batch: the history is exactly as deterministic and crash-safe as
 * the expunge itself. The history is bounded (limits.expungeHistoryUidsMax UIDs per mailbox): the
 * oldest rows go first and the floor row records the MODSEQ of the newest row dropped, so a reader
 * knows the history is complete only for MODSEQs at or above the floor; below it, IMAP falls back
 * to what a server without expunge history does: report every UID of the client's known range
 * that is no longer in the mailbox.
 *
 * The history follows the mailbox's stable id: a RENAME keeps it (the new UIDVALIDITY already
 * makes clients resync), a DELETE (or user.remove) drops it with the mailbox.
 */
import type { ApplyContext } from './apply-context.js';
import type { MailboxRow } from './index-rows.js';
import { keys } from './index-rows.js';
import { compactUidSet } from './uid-set.js';

/**
 * Records that `uids` were expunged from `mailbox` at `modSeq` (the MODSEQ the command gave the
 * mailbox, already above every earlier record), and trims the history to its bound. A command
 * calls this at most once per mailbox.
 */
export function recordExpunge(ctx: ApplyContext, user: string, mailbox: MailboxRow, modSeq: number, uids: readonly number[]): void {
  if (uids.length === 0) return;
  const sorted = [...new Set(uids)].sort((a, b) => a - b);
  const records = ctx.mirror.expungesOf(user, mailbox.id);
  const newest = records[records.length - 1];
  if (newest && newest.modSeq >= modSeq) throw new Error(`expunge MODSEQ ${modSeq} is not above ${newest.modSeq} in ${mailbox.name}`);
  const max = ctx.expungeHistoryUidsMax;
  let total = records.reduce((n, r) => n + r.count, 0) + sorted.length;
  const floorBefore = ctx.mirror.expungeFloorOf(user, mailbox.id);
  let floor = floorBefore;
  for (const record of records) {
    if (total <= max) break;
    ctx.del(keys.expunged(user, mailbox.id, record.modSeq));
    total -= record.count;
    floor = record.modSeq;
  }
  if (total <= max) ctx.put(keys.expunged(user, mailbox.id, modSeq), { uids: compactUidSet(sorted) });
  else floor = modSeq; // this expunge alone is over the bound: nothing at or below it is known
  if (floor !== floorBefore) ctx.put(keys.expungeFloor(user, mailbox.id), { modSeq: floor });
}

/** Drops a mailbox's whole history (the mailbox is going away). */
export function dropExpungeHistory(ctx: ApplyContext, user: string, mailboxId: string): void {
  for (const record of ctx.mirror.expungesOf(user, mailboxId)) ctx.del(keys.expunged(user, mailboxId, record.modSeq));
  if (ctx.mirror.expungeFloorOf(user, mailboxId) !== 0) ctx.del(keys.expungeFloor(user, mailboxId));
}
