/**
 * apply() for mailbox create / rename / delete / subscribe (RFC 9051 §6.3.4–§6.3.8).
 *
 * UIDVALIDITY is the log index of the command that created the mailbox or gave it its current
 * name. Log indexes only grow, so a name that is deleted and created again, or reached by a
 * rename, always gets a larger UIDVALIDITY than it ever had (RFC 9051 §2.3.1.1), and every node
 * computes the same value. Mailboxes created by one command share the value, which is allowed
 * (it is scoped per mailbox name).
 */
import { join } from 'node:path';
import type { MailboxCreate, MailboxDelete, MailboxRename, MailboxSubscribe } from './command.js';
import type { ApplyResult } from './apply-result.js';
import type { ApplyContext } from './apply-context.js';
import type { MailboxRow } from './index-rows.js';
import { keys } from './index-rows.js';
import { limits } from '@tandem/config';
import { parseLocalAddress } from './address.js';
import { isInbox, isSelfOrInferior, superiorNames, validateMailboxName } from './mailbox-name.js';
import { maildirFolderName } from './maildir-folder.js';
import { fsyncDir, makeDirsSynced, renameDirIdempotent, writeFileSynced } from './durable-fs.js';
import { dropExpungeHistory, recordExpunge } from './expunge-history.js';

/** RFC 6154 §2 attributes that name a real mailbox (\All and \Flagged are virtual views: not stored). */
export const specialUseAttributes = ['\\Archive', '\\Drafts', '\\Junk', '\\Sent', '\\Trash'] as const;

export function uidValidityFor(index: number): number {
  // RFC 9051 §9: uidvalidity is a 32-bit nz-number. 4e9 log entries is far beyond this store's life.
  if (!Number.isSafeInteger(index) || index < 1 || index > 0xffffffff) throw new Error(`log index ${index} cannot be a UIDVALIDITY`);
  return index;
}

export function newMailboxRow(ctx: ApplyContext, name: string, specialUse: string | undefined, n: number): MailboxRow {
  const row: MailboxRow = {
    id: ctx.newMailboxId(n), name, folder: maildirFolderName(name),
    uidValidity: uidValidityFor(ctx.index), uidNext: 1, highestModSeq: 1,
  };
  if (specialUse !== undefined) row.specialUse = specialUse;
  return row;
}

/** Makes the Maildir++ directories (cur/ new/ tmp/, plus the "maildirfolder" marker in sub-folders). */
export async function createFolders(ctx: ApplyContext, user: string, folders: readonly string[]): Promise<void> {
  const dirs = folders.flatMap((f) => ['cur', 'new', 'tmp'].map((d) => join(ctx.paths.folderDir(user, f), d)));
  await makeDirsSynced(dirs, ctx.paths.mailRoot);
  for (const folder of folders) {
    if (folder === '') continue;
    const dir = ctx.paths.folderDir(user, folder);
    await writeFileSynced(join(dir, 'maildirfolder'), new Uint8Array(0));
    await fsyncDir(dir);
  }
}

function requireUser(ctx: ApplyContext, user: string): string | undefined {
  const { address } = parseLocalAddress(user);
  return ctx.mirror.users.has(address) ? address : undefined;
}

/** New rows for `name` and any superiors it lacks (RFC 9051 §6.3.4: the server SHOULD create them). */
function rowsToCreate(ctx: ApplyContext, user: string, name: string, specialUse: string | undefined, first: number): MailboxRow[] {
  const names = [...superiorNames(name).filter((n) => !ctx.mailbox(user, n)), name];
  return names.map((n, i) => newMailboxRow(ctx, n, n === name ? specialUse : undefined, first + i));
}

export async function applyMailboxCreate(ctx: ApplyContext, cmd: MailboxCreate): Promise<ApplyResult> {
  const name = validateMailboxName(cmd.mailbox);
  const user = requireUser(ctx, cmd.user);
  if (!user) return ctx.fail('NOTFOUND', `no user ${cmd.user}`);
  if (cmd.specialUse !== undefined && !(specialUseAttributes as readonly string[]).includes(cmd.specialUse)) {
    return ctx.fail('INVALID', `special-use ${cmd.specialUse} is not supported (RFC 6154 USEATTR)`);
  }
  if (ctx.mailbox(user, name)) return ctx.fail('EXISTS', `mailbox ${name} already exists`);
  const rows = rowsToCreate(ctx, user, name, cmd.specialUse, 0);
  if (ctx.mailboxesOf(user).length + rows.length > limits.mailboxesPerUserMax) {
    return ctx.fail('NOPERM', `more than ${limits.mailboxesPerUserMax} mailboxes`);
  }
  await createFolders(ctx, user, rows.map((r) => r.folder));
  for (const row of rows) {
    ctx.putMailbox(user, row);
    ctx.emit({ type: 'mailbox.created', user, mailbox: row.name, index: ctx.index });
  }
  return ctx.ok({ uidValidity: uidValidityFor(ctx.index) });
}

export async function applyMailboxDelete(ctx: ApplyContext, cmd: MailboxDelete): Promise<ApplyResult> {
  const name = validateMailboxName(cmd.mailbox);
  const user = requireUser(ctx, cmd.user);
  if (!user) return ctx.fail('NOTFOUND', `no user ${cmd.user}`);
  // RFC 9051 §6.3.5: "It is an error to attempt to delete INBOX".
  if (isInbox(name)) return ctx.fail('NOPERM', 'INBOX cannot be deleted');
  const row = ctx.mailbox(user, name);
  if (!row) return ctx.fail('NOTFOUND', `no mailbox ${name}`);
  // RFC 9051 §6.3.5: inferior names are not removed. In Maildir++ they are sibling folders, so
  // they simply stay; LIST shows the deleted parent as \NonExistent. Subscriptions stay too (§6.3.7).
  for (const uid of ctx.mirror.messagesOf(user, row.id).keys()) ctx.delMessage(user, row.id, uid);
  dropExpungeHistory(ctx, user, row.id);
  ctx.delMailbox(user, name);
  ctx.retire(`${ctx.paths.userRelative(user)}/${row.folder}`);
  ctx.emit({ type: 'mailbox.deleted', user, mailbox: name, index: ctx.index });
  return ctx.ok(null);
}

export async function applyMailboxRename(ctx: ApplyContext, cmd: MailboxRename): Promise<ApplyResult> {
  const from = validateMailboxName(cmd.mailbox);
  const to = validateMailboxName(cmd.newName);
  const user = requireUser(ctx, cmd.user);
  if (!user) return ctx.fail('NOTFOUND', `no user ${cmd.user}`);
  const source = ctx.mailbox(user, from);
  if (!source) return ctx.fail('NOTFOUND', `no mailbox ${from}`);
  if (ctx.mailbox(user, to)) return ctx.fail('EXISTS', `mailbox ${to} already exists`);
  if (isInbox(to)) return ctx.fail('EXISTS', 'INBOX already exists');
  if (isSelfOrInferior(to, from)) return ctx.fail('INVALID', 'a mailbox cannot be renamed below itself');
  if (isInbox(from)) return renameInbox(ctx, user, source, to);

  const moving = ctx.mailboxesOf(user).filter((m) => isSelfOrInferior(m.name, from));
  const renames = moving.map((m) => ({ row: m, newName: validateMailboxName(to + m.name.slice(from.length)) }));
  for (const { newName } of renames) {
    if (ctx.mailbox(user, newName)) return ctx.fail('EXISTS', `mailbox ${newName} already exists`);
  }
  const superiors = rowsToCreate(ctx, user, to, undefined, 0).slice(0, -1);
  if (ctx.mailboxesOf(user).length + superiors.length > limits.mailboxesPerUserMax) {
    return ctx.fail('NOPERM', `more than ${limits.mailboxesPerUserMax} mailboxes`);
  }
  for (const { row, newName } of renames) {
    await renameDirIdempotent(ctx.paths.folderDir(user, row.folder), ctx.paths.folderDir(user, maildirFolderName(newName)));
  }
  await createFolders(ctx, user, superiors.map((r) => r.folder));
  await fsyncDir(ctx.paths.userRoot(user));
  const subscribed = ctx.mirror.subscriptions.get(user);
  for (const { row, newName } of renames) {
    ctx.delMailbox(user, row.name);
    ctx.putMailbox(user, { ...row, name: newName, folder: maildirFolderName(newName), uidValidity: uidValidityFor(ctx.index) });
    if (subscribed?.has(row.name)) {
      ctx.del(keys.subscription(user, row.name));
      ctx.put(keys.subscription(user, newName), { subscribed: true });
    }
    ctx.emit({ type: 'mailbox.renamed', user, mailbox: row.name, newName, index: ctx.index });
  }
  for (const row of superiors) {
    ctx.putMailbox(user, row);
    ctx.emit({ type: 'mailbox.created', user, mailbox: row.name, index: ctx.index });
  }
  return ctx.ok({ uidValidity: uidValidityFor(ctx.index) });
}

/**
 * RFC 9051 §6.3.6: renaming INBOX moves all its messages to a new mailbox with the given name and
 * leaves INBOX empty; INBOX's inferiors are not affected. The messages keep their UIDs (the new
 * mailbox has a new UIDVALIDITY); INBOX keeps its UIDNEXT so no UID is ever reused there.
 */
async function renameInbox(ctx: ApplyContext, user: string, inbox: MailboxRow, to: string): Promise<ApplyResult> {
  const rows = rowsToCreate(ctx, user, to, undefined, 0);
  if (ctx.mailboxesOf(user).length + rows.length > limits.mailboxesPerUserMax) {
    return ctx.fail('NOPERM', `more than ${limits.mailboxesPerUserMax} mailboxes`);
  }
  const target = { ...rows[rows.length - 1]!, uidNext: inbox.uidNext, highestModSeq: inbox.highestModSeq };
  rows[rows.length - 1] = target;
  await createFolders(ctx, user, rows.map((r) => r.folder));
  const messages = [...ctx.mirror.messagesOf(user, inbox.id)];
  const rootDir = ctx.paths.userRoot(user);
  const targetDir = ctx.paths.folderDir(user, target.folder);
  for (const [, message] of messages) ctx.files.link(join(rootDir, message.file), join(targetDir, message.file));
  // RFC 7162 §3.2: for INBOX this is an expunge of every message, with one new MODSEQ.
  const expungeModSeq = inbox.highestModSeq + 1;
  recordExpunge(ctx, user, inbox, expungeModSeq, messages.map(([uid]) => uid));
  for (const [uid, message] of messages) {
    ctx.putMessage(user, target.id, uid, message);
    ctx.delMessage(user, inbox.id, uid);
    ctx.retire(ctx.messageRelative(user, inbox.folder, message.file));
    ctx.emit({ type: 'message.expunged', user, mailbox: inbox.name, uid, modSeq: expungeModSeq, index: ctx.index });
  }
  if (messages.length) ctx.putMailbox(user, { ...inbox, highestModSeq: expungeModSeq });
  for (const row of rows) {
    ctx.putMailbox(user, row);
    ctx.emit({ type: 'mailbox.created', user, mailbox: row.name, index: ctx.index });
  }
  return ctx.ok({ uidValidity: uidValidityFor(ctx.index) });
}

export async function applyMailboxSubscribe(ctx: ApplyContext, cmd: MailboxSubscribe): Promise<ApplyResult> {
  const name = validateMailboxName(cmd.mailbox);
  const user = requireUser(ctx, cmd.user);
  if (!user) return ctx.fail('NOTFOUND', `no user ${cmd.user}`);
  // RFC 9051 §6.3.7: a name may be subscribed whether or not the mailbox exists.
  const subscribed = ctx.mirror.subscriptions.get(user)?.has(name) ?? false;
  if (cmd.subscribed && !subscribed) ctx.put(keys.subscription(user, name), { subscribed: true });
  if (!cmd.subscribed && subscribed) ctx.del(keys.subscription(user, name));
  return ctx.ok(null);
}
