/**
 * apply() for changes to existing messages: STORE (RFC 9051 §6.4.6 with CONDSTORE's
 * UNCHANGEDSINCE, RFC 7162 §3.1.3), COPY/MOVE (RFC 9051 §6.4.7, RFC 6851, with UIDPLUS results,
 * RFC 4315 §3) and EXPUNGE / UID EXPUNGE (RFC 9051 §6.4.3, RFC 4315 §2.1).
 *
 * MODSEQ: a STORE or an EXPUNGE takes the mailbox's HIGHESTMODSEQ + 1 once and gives it to every
 * message it changes (RFC 7162 §3.1.3: each STORE gets its own mod-sequence; the messages it
 * changes may share it); each new message (deliver, append, copy) takes a MODSEQ of its own.
 * A STORE that leaves a message's flags as they were does not touch its MODSEQ, and its result
 * (StoreValue.updated) lists only the messages it changed.
 */
import { join } from 'node:path';
import type { MessageCopy, MessageExpunge, MessageStore } from './command.js';
import type { ApplyResult, StoreValue } from './apply-result.js';
import type { ApplyContext } from './apply-context.js';
import type { MailboxRow } from './index-rows.js';
import { parseLocalAddress } from './address.js';
import { validateMailboxName } from './mailbox-name.js';
import { combineFlags, normaliseFlags, sameFlags } from './message-flags.js';
import { addMessage, messageFileName } from './apply-delivery.js';
import { compactUidSet } from './uid-set.js';
import { recordExpunge } from './expunge-history.js';

function openMailbox(ctx: ApplyContext, userInput: string, nameInput: string): { user: string; mailbox: MailboxRow } | ApplyResult {
  const name = validateMailboxName(nameInput);
  const user = parseLocalAddress(userInput).address;
  if (!ctx.mirror.users.has(user)) return ctx.fail('NOTFOUND', `no user ${user}`);
  const mailbox = ctx.mailbox(user, name);
  if (!mailbox) return ctx.fail('NOTFOUND', `no mailbox ${name}`);
  return { user, mailbox };
}

function isResult(x: object): x is ApplyResult { return 'ok' in x; }

/** Distinct valid UIDs in ascending order (the order COPYUID pairs them in, RFC 4315 §3). */
function sortedUids(uids: readonly number[]): number[] {
  return [...new Set(uids.filter((u) => Number.isSafeInteger(u) && u > 0 && u <= 0xffffffff))].sort((a, b) => a - b);
}

export async function applyStore(ctx: ApplyContext, cmd: MessageStore): Promise<ApplyResult> {
  const opened = openMailbox(ctx, cmd.user, cmd.mailbox);
  if (isResult(opened)) return opened;
  const { user, mailbox } = opened;
  const given = normaliseFlags(cmd.flags);
  if (cmd.unchangedSince !== undefined && !(Number.isSafeInteger(cmd.unchangedSince) && cmd.unchangedSince >= 0)) {
    return ctx.fail('INVALID', 'unchangedSince must be a non-negative integer');
  }
  const messages = ctx.mirror.messagesOf(user, mailbox.id);
  const modSeq = mailbox.highestModSeq + 1;
  const value: StoreValue = { updated: [], modified: [] };
  let passed = 0;
  for (const uid of sortedUids(cmd.uids)) {
    const row = messages.get(uid);
    if (!row) continue; // RFC 9051 §6.4.6 / §6.4.9: UIDs that do not exist are ignored
    // RFC 7162 §3.1.3: a message changed after UNCHANGEDSINCE is left alone and reported.
    if (cmd.unchangedSince !== undefined && row.modSeq > cmd.unchangedSince) { value.modified.push(uid); continue; }
    passed++;
    const flags = combineFlags(row.flags, cmd.operation, given);
    // Flags as they were: no row, no event, no new MODSEQ, and not in `updated` (a +FLAGS over a
    // whole mailbox mostly meets messages that already have the flag).
    if (sameFlags(flags, row.flags)) continue;
    ctx.putMessage(user, mailbox.id, uid, { ...row, flags, modSeq });
    ctx.emit({ type: 'flags.changed', user, mailbox: mailbox.name, uid, flags, modSeq, index: ctx.index });
    value.updated.push({ uid, flags, modSeq });
  }
  if (value.updated.length > 0) ctx.putMailbox(user, { ...mailbox, highestModSeq: modSeq });
  if (value.modified.length > 0 && passed === 0) {
    // The message is the UID set for the MODIFIED response code (RFC 7162 §3.1.3).
    return ctx.fail('MODIFIED', compactUidSet(value.modified));
  }
  return ctx.ok(value);
}

export async function applyCopy(ctx: ApplyContext, cmd: MessageCopy): Promise<ApplyResult> {
  const opened = openMailbox(ctx, cmd.user, cmd.mailbox);
  if (isResult(opened)) return opened;
  const { user, mailbox: source } = opened;
  const targetName = validateMailboxName(cmd.target);
  const target = ctx.mailbox(user, targetName);
  if (!target) return ctx.fail('NOTFOUND', `no mailbox ${targetName}`); // IMAP: NO [TRYCREATE] (RFC 9051 §6.4.7)
  const messages = ctx.mirror.messagesOf(user, source.id);
  const picked = sortedUids(cmd.uids).flatMap((uid) => { const row = messages.get(uid); return row ? [{ uid, row }] : []; });
  if (picked.length === 0) return ctx.ok({ uidValidity: target.uidValidity, sourceUids: [], targetUids: [], expungedUids: [] });
  if (!cmd.move) {
    const quota = ctx.mirror.users.get(user)?.quotaBytes;
    const added = picked.reduce((sum, p) => sum + p.row.sizeBytes, 0);
    if (quota !== undefined && ctx.mirror.usageBytes(user) + added > quota) return ctx.fail('NOQUOTA', `${user} is over quota`);
  }
  const sourceDir = ctx.paths.folderDir(user, source.folder);
  const targetCur = join(ctx.paths.folderDir(user, target.folder), 'cur');
  const names = picked.map((p, n) => messageFileName(ctx, n, p.row.sizeBytes, 'cur'));
  for (let n = 0; n < picked.length; n++) ctx.files.link(join(sourceDir, picked[n]!.row.file), join(targetCur, names[n]!));

  const targetUids: number[] = [];
  for (let n = 0; n < picked.length; n++) {
    const { row } = picked[n]!;
    // RFC 9051 §6.4.7: the copy keeps flags and INTERNALDATE.
    targetUids.push(addMessage(ctx, { user, mailbox: target, subdir: 'cur', name: names[n]! }, {
      flags: row.flags, sizeBytes: row.sizeBytes, internalDateMs: row.internalDateMs,
    }));
  }
  const sourceUids = picked.map((p) => p.uid);
  if (cmd.move) expungeMessages(ctx, user, ctx.mailbox(user, source.name)!, picked);
  return ctx.ok({ uidValidity: target.uidValidity, sourceUids, targetUids, expungedUids: cmd.move ? sourceUids : [] });
}

/**
 * Removes messages from a mailbox in this transaction; their files go once the batch is durable.
 * RFC 7162 §3.2: an expunge (EXPUNGE, UID EXPUNGE, CLOSE, MOVE) increments the mailbox's
 * mod-sequence, and that MODSEQ is associated with the expunged UIDs (expunge-history.ts).
 */
function expungeMessages(ctx: ApplyContext, user: string, mailbox: MailboxRow, gone: ReadonlyArray<{ uid: number; row: { file: string } }>): number {
  const modSeq = mailbox.highestModSeq + 1;
  recordExpunge(ctx, user, mailbox, modSeq, gone.map((g) => g.uid));
  for (const { uid, row } of gone) {
    ctx.delMessage(user, mailbox.id, uid);
    ctx.retire(ctx.messageRelative(user, mailbox.folder, row.file));
    ctx.emit({ type: 'message.expunged', user, mailbox: mailbox.name, uid, modSeq, index: ctx.index });
  }
  ctx.putMailbox(user, { ...mailbox, highestModSeq: modSeq });
  return modSeq;
}

export async function applyExpunge(ctx: ApplyContext, cmd: MessageExpunge): Promise<ApplyResult> {
  const opened = openMailbox(ctx, cmd.user, cmd.mailbox);
  if (isResult(opened)) return opened;
  const { user, mailbox } = opened;
  const only = cmd.uids ? new Set(sortedUids(cmd.uids)) : undefined;
  const gone: Array<{ uid: number; row: { file: string } }> = [];
  for (const [uid, row] of ctx.mirror.messagesOf(user, mailbox.id)) {
    // RFC 9051 §6.4.3: only messages with \Deleted; RFC 4315 §2.1: and, for UID EXPUNGE, only those UIDs.
    if (row.flags.includes('\\Deleted') && (!only || only.has(uid))) gone.push({ uid, row });
  }
  if (gone.length === 0) return ctx.ok({ expungedUids: [], highestModSeq: mailbox.highestModSeq });
  const highestModSeq = expungeMessages(ctx, user, mailbox, gone);
  return ctx.ok({ expungedUids: gone.map((g) => g.uid), highestModSeq });
}
