/**
 * apply() for domains, users and aliases. A user owns a Maildir++ tree; user.add creates INBOX
 * and the special-use folders of RFC 6154 (§2: \Sent \Drafts \Trash \Junk \Archive), user.remove
 * retires the whole tree together with every row of the user.
 */
import type { AliasAdd, AliasRemove, DomainAdd, DomainRemove, UserAdd, UserPasswd, UserQuota, UserRemove } from './command.js';
import type { ApplyResult } from './apply-result.js';
import type { ApplyContext } from './apply-context.js';
import { parseAliasSource, parseDomain, parseLocalAddress, canonicalAddress } from './address.js';
import { keys } from './index-rows.js';
import type { UserRow } from './index-rows.js';
import { isPasswordHash } from './password-hash.js';
import { createFolders, newMailboxRow } from './apply-mailbox.js';
import { dropExpungeHistory } from './expunge-history.js';

/** Created with every user, all subscribed. */
export const defaultMailboxes: ReadonlyArray<{ name: string; specialUse?: string }> = [
  { name: 'INBOX' },
  { name: 'Sent', specialUse: '\\Sent' },
  { name: 'Drafts', specialUse: '\\Drafts' },
  { name: 'Trash', specialUse: '\\Trash' },
  { name: 'Junk', specialUse: '\\Junk' },
  { name: 'Archive', specialUse: '\\Archive' },
];

export async function applyDomainAdd(ctx: ApplyContext, cmd: DomainAdd): Promise<ApplyResult> {
  const domain = parseDomain(cmd.domain);
  if (ctx.mirror.domains.has(domain)) return ctx.fail('EXISTS', `domain ${domain} already exists`);
  ctx.put(keys.domain(domain), { createdMs: ctx.timestampMs });
  return ctx.ok(null);
}

export async function applyDomainRemove(ctx: ApplyContext, cmd: DomainRemove): Promise<ApplyResult> {
  const domain = parseDomain(cmd.domain);
  if (!ctx.mirror.domains.has(domain)) return ctx.fail('NOTFOUND', `no domain ${domain}`);
  const users = [...ctx.mirror.users.keys()].filter((u) => u.endsWith(`@${domain}`));
  if (users.length > 0) {
    return ctx.fail('NOPERM', `domain ${domain} still has ${users.length} user(s); remove them first`);
  }
  // Aliases whose source lies in the domain (incl. its catch-all) mean nothing without it.
  for (const [source, targets] of ctx.mirror.aliases) {
    if (source.slice(source.lastIndexOf('@') + 1) !== domain) continue;
    for (const target of targets.keys()) ctx.del(keys.alias(source, target));
  }
  ctx.del(keys.domain(domain));
  ctx.retire(domain);
  return ctx.ok(null);
}

export async function applyUserAdd(ctx: ApplyContext, cmd: UserAdd): Promise<ApplyResult> {
  const { address, domain } = parseLocalAddress(cmd.address);
  if (!isPasswordHash(cmd.passwordHash)) return ctx.fail('INVALID', 'passwordHash is not an encoded scrypt hash');
  if (!validQuota(cmd.quotaBytes)) {
    return ctx.fail('INVALID', 'quotaBytes must be a non-negative integer');
  }
  if (!ctx.mirror.domains.has(domain)) return ctx.fail('NOTFOUND', `no domain ${domain}; add it first`);
  if (ctx.mirror.users.has(address)) return ctx.fail('EXISTS', `user ${address} already exists`);
  const row: UserRow = { passwordHash: cmd.passwordHash, createdMs: ctx.timestampMs };
  if (cmd.quotaBytes !== undefined) row.quotaBytes = cmd.quotaBytes;
  const mailboxes = defaultMailboxes.map((m, n) => newMailboxRow(ctx, m.name, m.specialUse, n));
  await createFolders(ctx, address, mailboxes.map((m) => m.folder));
  ctx.put(keys.user(address), row);
  for (const mailbox of mailboxes) {
    ctx.putMailbox(address, mailbox);
    ctx.put(keys.subscription(address, mailbox.name), { subscribed: true });
    ctx.emit({ type: 'mailbox.created', user: address, mailbox: mailbox.name, index: ctx.index });
  }
  return ctx.ok(null);
}

export async function applyUserRemove(ctx: ApplyContext, cmd: UserRemove): Promise<ApplyResult> {
  const { address } = parseLocalAddress(cmd.address);
  if (!ctx.mirror.users.has(address)) return ctx.fail('NOTFOUND', `no user ${address}`);
  for (const mailbox of ctx.mailboxesOf(address)) {
    for (const uid of ctx.mirror.messagesOf(address, mailbox.id).keys()) ctx.delMessage(address, mailbox.id, uid);
    dropExpungeHistory(ctx, address, mailbox.id);
    ctx.delMailbox(address, mailbox.name);
    ctx.emit({ type: 'mailbox.deleted', user: address, mailbox: mailbox.name, index: ctx.index });
  }
  for (const name of ctx.mirror.subscriptions.get(address) ?? []) ctx.del(keys.subscription(address, name));
  ctx.del(keys.user(address));
  // Aliases pointing at the user stay (an admin may re-create the user); they reach nobody meanwhile.
  ctx.retire(ctx.paths.userRelative(address));
  return ctx.ok(null);
}

export async function applyUserPasswd(ctx: ApplyContext, cmd: UserPasswd): Promise<ApplyResult> {
  const { address } = parseLocalAddress(cmd.address);
  if (!isPasswordHash(cmd.passwordHash)) return ctx.fail('INVALID', 'passwordHash is not an encoded scrypt hash');
  const row = ctx.mirror.users.get(address);
  if (!row) return ctx.fail('NOTFOUND', `no user ${address}`);
  ctx.put(keys.user(address), { ...row, passwordHash: cmd.passwordHash });
  return ctx.ok(null);
}

/**
 * A new quota takes effect for the next delivery or APPEND; mail already stored stays even when it
 * is over the new quota (RFC 9208 §5.1: a server refuses what would exceed it, it deletes nothing).
 */
export async function applyUserQuota(ctx: ApplyContext, cmd: UserQuota): Promise<ApplyResult> {
  const { address } = parseLocalAddress(cmd.address);
  if (!validQuota(cmd.quotaBytes)) return ctx.fail('INVALID', 'quotaBytes must be a non-negative integer');
  const row = ctx.mirror.users.get(address);
  if (!row) return ctx.fail('NOTFOUND', `no user ${address}`);
  const { quotaBytes: _old, ...rest } = row;
  ctx.put(keys.user(address), cmd.quotaBytes === undefined ? rest : { ...rest, quotaBytes: cmd.quotaBytes });
  return ctx.ok(null);
}

function validQuota(quotaBytes: number | undefined): boolean {
  return quotaBytes === undefined || (Number.isSafeInteger(quotaBytes) && quotaBytes >= 0);
}

export async function applyAliasAdd(ctx: ApplyContext, cmd: AliasAdd): Promise<ApplyResult> {
  const { source, domain } = parseAliasSource(cmd.source);
  const target = canonicalAddress(cmd.target);
  if (!ctx.mirror.domains.has(domain)) return ctx.fail('NOTFOUND', `no domain ${domain}; add it first`);
  const targetDomain = target.slice(target.lastIndexOf('@') + 1);
  if (!ctx.mirror.domains.has(targetDomain)) {
    return ctx.fail('INVALID', `alias target ${target} is not in a local domain (forwarding out is not supported yet)`);
  }
  // source === target is allowed: with other targets it means "deliver here too" (as in Postfix).
  if (ctx.mirror.aliases.get(source)?.has(target)) return ctx.fail('EXISTS', `alias ${source} → ${target} already exists`);
  ctx.put(keys.alias(source, target), { createdMs: ctx.timestampMs });
  return ctx.ok(null);
}

export async function applyAliasRemove(ctx: ApplyContext, cmd: AliasRemove): Promise<ApplyResult> {
  const { source } = parseAliasSource(cmd.source);
  const target = canonicalAddress(cmd.target);
  if (!ctx.mirror.aliases.get(source)?.has(target)) return ctx.fail('NOTFOUND', `no alias ${source} → ${target}`);
  ctx.del(keys.alias(source, target));
  return ctx.ok(null);
}
