/**
 * apply() for the commands that add new message files: message.deliver (SMTP) and
 * message.append (IMAP APPEND, RFC 9051 §6.3.12).
 *
 * File names come from the command's time and the log index, so every node writes the same
 * names: "<seconds>.L<log index>R<n>.tandem,S=<size>" (the ",S=" size field is the one Dovecot
 * reads for quota). Delivered mail lands in new/ and stays there: the index, not the directory,
 * says whether a message was seen (IMAP's \Recent is a session notion here), and Maildir readers
 * read new/ and cur/ alike. APPENDed and COPYed files go to cur/ with an empty ":2," info part;
 * flags are never put in names (an export writes them).
 *
 * The bytes are written once to tmp/ (or were staged ahead, message-staging.ts), hard-linked
 * into each target mailbox but the last and
 * renamed into the last (deliveries to several recipients share one inode; files are immutable).
 * They are fsynced by the next checkpoint, not here: the log entry is what makes the delivery
 * durable (file-plan.ts). A re-run after a crash rewrites the file and replaces the names.
 */
import { join } from 'node:path';
import { limits } from '@tandem/config';
import type { MessageAppend, MessageDeliver, MessageSend } from './command.js';
import { checkQueueable, enqueue } from './apply-queue.js';
import { archivePath, journal } from './apply-archive.js';
import type { ApplyResult, DeliverValue } from './apply-result.js';
import type { ApplyContext } from './apply-context.js';
import type { MailboxRow, MessageRow } from './index-rows.js';
import { keys } from './index-rows.js';
import { parseLocalAddress } from './address.js';
import { INBOX, tryMailboxName, validateMailboxName } from './mailbox-name.js';
import { normaliseFlags } from './message-flags.js';

export interface FileTarget { user: string; mailbox: MailboxRow; subdir: 'new' | 'cur'; name: string }

export function messageFileName(ctx: ApplyContext, n: number, sizeBytes: number, subdir: 'new' | 'cur'): string {
  // Maildir "info" (":2,<flags>") belongs only to files in cur/.
  return `${ctx.timestampSec}.L${ctx.index}R${n}.tandem,S=${sizeBytes}${subdir === 'cur' ? ':2,' : ''}`;
}

/** The tmp/ name of the bytes of the entry at `index` (a delivery or an APPEND), in the folder `folderDir`. */
export function messageTmpPath(folderDir: string, timestampSec: number, index: number): string {
  return join(folderDir, 'tmp', `${timestampSec}.L${index}.tandem`);
}

/**
 * Plans the bytes to be written once (or taken from staging) and given every target's name, and
 * the `extra` names (absolute) outside mailboxes: the outbound queue's (apply-queue.ts), the
 * archive journal's (apply-archive.ts). The tmp/ name is in the first target's folder, else in the
 * queue's.
 */
export function placeMessageFile(ctx: ApplyContext, bytes: Uint8Array, targets: readonly FileTarget[], extra: readonly string[] = []): void {
  const first = targets[0];
  const tmpFolder = first ? ctx.paths.folderDir(first.user, first.mailbox.folder) : ctx.paths.queueDir;
  const source = ctx.files.addSource(messageTmpPath(tmpFolder, ctx.timestampSec, ctx.index), bytes, ctx.takeStagedFile);
  const paths = [...targets.map((t) => join(ctx.paths.folderDir(t.user, t.mailbox.folder), t.subdir, t.name)), ...extra];
  for (const path of paths.slice(0, -1)) ctx.files.link(source, path);
  ctx.files.moveInto(source, paths[paths.length - 1]!);
}

/** Bytes each user would gain, checked against quotas (RFC 9208 §5.1 STORAGE). */
function overQuota(ctx: ApplyContext, added: Map<string, number>): string | undefined {
  for (const [user, bytes] of added) {
    const quota = ctx.mirror.users.get(user)?.quotaBytes;
    if (quota !== undefined && ctx.mirror.usageBytes(user) + bytes > quota) return user;
  }
  return undefined;
}

function validDedupeKey(key: unknown): key is string {
  return typeof key === 'string' && key.length > 0 && Buffer.byteLength(key) <= limits.dedupeKeyBytesMax &&
    !/[\u0000-\u001f\u007f]/.test(key);
}

/**
 * The checks every received transaction (delivery, send, hold) starts with: a usable dedupe key and
 * bytes, and — DESIGN.md §3 — a retry of a transaction already taken answered with its first
 * outcome, storing nothing. Undefined: go on.
 */
export function receivedTransaction(ctx: ApplyContext, cmd: { dedupeKey: string; message: Uint8Array }): ApplyResult | undefined {
  if (!validDedupeKey(cmd.dedupeKey)) return ctx.fail('INVALID', 'bad dedupe key');
  if (!(cmd.message instanceof Uint8Array)) return ctx.fail('INVALID', 'message must be bytes');
  const seen = ctx.mirror.dedupe.get(cmd.dedupeKey);
  if (seen && seen.expiresMs > ctx.timestampMs) return ctx.ok<DeliverValue>({ ...seen.value, duplicate: true });
  return undefined;
}

/** Remembers a taken transaction's outcome under its dedupe key, for receivedTransaction(). */
export function rememberTransaction(ctx: ApplyContext, dedupeKey: string, value: DeliverValue): void {
  ctx.put(keys.dedupe(dedupeKey), { value, expiresMs: ctx.timestampMs + limits.dedupeKeyRetentionMs });
}

/** The distinct target mailboxes; a missing folder falls back to INBOX, a removed user is skipped. */
function deliveryTargets(ctx: ApplyContext, cmd: MessageDeliver | MessageSend): Array<{ user: string; mailbox: MailboxRow }> {
  const targets = new Map<string, { user: string; mailbox: MailboxRow }>();
  for (const r of cmd.recipients) {
    const user = parseLocalAddress(r.user).address;
    if (!ctx.mirror.users.has(user)) continue; // removed after RCPT TO was accepted
    const name = tryMailboxName(r.mailbox);
    const mailbox = (name !== undefined ? ctx.mailbox(user, name) : undefined) ?? ctx.mailbox(user, INBOX);
    if (!mailbox) continue;
    targets.set(`${user}\u0000${mailbox.id}`, { user, mailbox });
  }
  return [...targets.values()];
}

/**
 * message.deliver, and message.send (the same, plus a queue entry for its remote recipients in
 * the same transaction, apply-queue.ts).
 */
export async function applyDeliver(ctx: ApplyContext, cmd: MessageDeliver | MessageSend): Promise<ApplyResult> {
  const decided = receivedTransaction(ctx, cmd);
  if (decided) return decided;
  const targets = deliveryTargets(ctx, cmd);
  const remote = cmd.type === 'message.send' ? checkQueueable(ctx, cmd) : undefined;
  if (remote && !remote.ok) return remote.failure;
  if (targets.length === 0 && !remote) return ctx.fail('NOTFOUND', 'no recipient of this delivery exists');
  const sizeBytes = cmd.message.length;
  const added = new Map<string, number>();
  for (const t of targets) added.set(t.user, (added.get(t.user) ?? 0) + sizeBytes);
  const over = overQuota(ctx, added);
  if (over) return ctx.fail('NOQUOTA', `${over} is over quota`);

  const files: FileTarget[] = targets.map((t, n) => ({ ...t, subdir: 'new', name: messageFileName(ctx, n, sizeBytes, 'new') }));
  const queued = remote ? `new/${messageFileName(ctx, files.length, sizeBytes, 'new')}` : undefined;
  const archived = journal(ctx, {
    queueId: cmd.queueId, mailFrom: cmd.envelope.mailFrom, rcptTo: cmd.envelope.rcptTo, bytes: cmd.message,
    fileName: messageFileName(ctx, files.length + (queued ? 1 : 0), sizeBytes, 'new'),
  });
  placeMessageFile(ctx, cmd.message, files, [
    ...(queued !== undefined ? [join(ctx.paths.queueDir, queued)] : []), ...(archived !== undefined ? [archivePath(ctx, archived)] : []),
  ]);
  const value: DeliverValue = { queueId: cmd.queueId, duplicate: false, deliveries: [] };
  for (const f of files) {
    const uid = addMessage(ctx, f, { flags: [], sizeBytes, internalDateMs: ctx.timestampMs });
    value.deliveries.push({ user: f.user, mailbox: f.mailbox.name, uidValidity: f.mailbox.uidValidity, uid });
  }
  if (remote && queued !== undefined) {
    enqueue(ctx, { queueId: cmd.queueId, mailFrom: cmd.envelope.mailFrom, sizeBytes }, remote.addresses, queued);
    value.queued = remote.addresses;
  }
  rememberTransaction(ctx, cmd.dedupeKey, value);
  return ctx.ok(value);
}

/** Records one new message in a mailbox: next UID, next MODSEQ (RFC 7162 §3.1.1). Returns the UID. */
export function addMessage(ctx: ApplyContext, f: FileTarget, meta: Omit<MessageRow, 'modSeq' | 'file'>): number {
  const mailbox = ctx.mailbox(f.user, f.mailbox.name)!;
  const uid = mailbox.uidNext;
  const modSeq = mailbox.highestModSeq + 1;
  ctx.putMessage(f.user, mailbox.id, uid, { modSeq, flags: meta.flags, sizeBytes: meta.sizeBytes, internalDateMs: meta.internalDateMs, file: `${f.subdir}/${f.name}` });
  ctx.putMailbox(f.user, { ...mailbox, uidNext: uid + 1, highestModSeq: modSeq });
  ctx.emit({ type: 'message.added', user: f.user, mailbox: mailbox.name, uid, modSeq, index: ctx.index });
  return uid;
}

export async function applyAppend(ctx: ApplyContext, cmd: MessageAppend): Promise<ApplyResult> {
  const name = validateMailboxName(cmd.mailbox);
  const user = parseLocalAddress(cmd.user).address;
  if (!ctx.mirror.users.has(user)) return ctx.fail('NOTFOUND', `no user ${user}`);
  const mailbox = ctx.mailbox(user, name);
  if (!mailbox) return ctx.fail('NOTFOUND', `no mailbox ${name}`); // IMAP: NO [TRYCREATE] (RFC 9051 §6.3.12)
  if (!(cmd.message instanceof Uint8Array)) return ctx.fail('INVALID', 'message must be bytes');
  if (!Number.isFinite(cmd.internalDateMs)) return ctx.fail('INVALID', 'internalDateMs must be a number');
  const flags = normaliseFlags(cmd.flags);
  const sizeBytes = cmd.message.length;
  if (overQuota(ctx, new Map([[user, sizeBytes]]))) return ctx.fail('NOQUOTA', `${user} is over quota`);
  const file: FileTarget = { user, mailbox, subdir: 'cur', name: messageFileName(ctx, 0, sizeBytes, 'cur') };
  placeMessageFile(ctx, cmd.message, [file]);
  const uid = addMessage(ctx, file, { flags, sizeBytes, internalDateMs: cmd.internalDateMs });
  return ctx.ok({ uidValidity: mailbox.uidValidity, uid });
}
