/**
 * apply() for mail review: the rules (review.rule.add / remove), the held message (message.hold:
 * the bytes go to `<data>/mail/.review/new/`, a `held` row says where they were going), and the
 * reviewer's decision — review.approve delivers it to its local recipients and queues it for the
 * remote ones exactly as an unheld message would have been (one transaction), review.reject
 * removes it.
 *
 * Which rule matches is decided by the proposer when the message arrives (the SMTP session knows
 * how it came: MX or submission); the rules themselves are replicated state so every node, and
 * the next leader, decides the same. Everything here is keyed by the queue id of the 250, so an
 * admin follows one id from the mail log to `tandem review list` to the mailbox.
 */
import { join } from 'node:path';
import type { MessageHold, ReviewApprove, ReviewReject, ReviewRuleAdd, ReviewRuleRemove } from './command.js';
import type { ApplyResult, DeliverValue } from './apply-result.js';
import type { ApplyContext } from './apply-context.js';
import type { HeldRow, ReviewRuleRow } from './index-rows.js';
import { keys } from './index-rows.js';
import { parseAliasSource, parseLocalAddress } from './address.js';
import { INBOX } from './mailbox-name.js';
import { reviewFolder } from './store-paths.js';
import { addMessage, messageFileName, messageTmpPath, receivedTransaction, rememberTransaction, type FileTarget } from './apply-delivery.js';
import { checkQueueable, enqueue } from './apply-queue.js';
import { archivePath, journal } from './apply-archive.js';

const directions: ReadonlySet<string> = new Set(['any', 'inbound', 'outbound', 'internal']);
/** A rule's name is what an admin types and what the mail log shows: short, plain. */
const ruleNameRe = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export function applyReviewRuleAdd(ctx: ApplyContext, cmd: ReviewRuleAdd): Promise<ApplyResult> {
  const fail = (message: string): Promise<ApplyResult> => Promise.resolve(ctx.fail('INVALID', message));
  if (typeof cmd.name !== 'string' || !ruleNameRe.test(cmd.name)) return fail('a rule name is 1–64 of a-z 0-9 . _ -, starting with a letter or digit');
  if (ctx.mirror.rules.has(cmd.name)) return Promise.resolve(ctx.fail('EXISTS', `review rule ${cmd.name} exists`));
  if (!directions.has(cmd.direction)) return fail(`direction must be any, inbound, outbound or internal, got ${JSON.stringify(cmd.direction)}`);
  if (cmd.from === undefined && cmd.to === undefined && cmd.direction === 'any') return fail('a rule needs a condition: from, to or a direction (it would hold all mail)');
  // parseAliasSource: an address or "@domain", canonical; throws InvalidAddressError → INVALID.
  const from = cmd.from === undefined ? undefined : parseAliasSource(cmd.from).source;
  const to = cmd.to === undefined ? undefined : parseAliasSource(cmd.to).source;
  if (!Array.isArray(cmd.reviewers)) return fail('reviewers must be a list');
  const reviewers: string[] = [];
  for (const r of cmd.reviewers) {
    const address = parseLocalAddress(r).address;
    if (!ctx.mirror.users.has(address)) return Promise.resolve(ctx.fail('NOTFOUND', `reviewer ${address} is not a local user`));
    if (!reviewers.includes(address)) reviewers.push(address);
  }
  const row: ReviewRuleRow = { name: cmd.name, direction: cmd.direction, reviewers, createdMs: ctx.timestampMs, ...(from ? { from } : {}), ...(to ? { to } : {}) };
  ctx.put(keys.rule(cmd.name), row);
  return Promise.resolve(ctx.ok(null));
}

export function applyReviewRuleRemove(ctx: ApplyContext, cmd: ReviewRuleRemove): Promise<ApplyResult> {
  if (!ctx.mirror.rules.has(cmd.name)) return Promise.resolve(ctx.fail('NOTFOUND', `no review rule ${cmd.name}`));
  // Messages it held stay held: a decision is still owed on them.
  ctx.del(keys.rule(cmd.name));
  return Promise.resolve(ctx.ok(null));
}

export async function applyHold(ctx: ApplyContext, cmd: MessageHold): Promise<ApplyResult> {
  const decided = receivedTransaction(ctx, cmd);
  if (decided) return decided;
  if (typeof cmd.rule !== 'string' || cmd.rule.length === 0) return ctx.fail('INVALID', 'message.hold needs the rule that matched');
  if (ctx.mirror.held.has(cmd.queueId) || ctx.mirror.queue.has(cmd.queueId)) return ctx.fail('EXISTS', `queue id ${cmd.queueId} is in use`);
  const users = [...new Set(cmd.recipients.map((r) => parseLocalAddress(r.user).address))];
  const remote = cmd.remote.length > 0 ? checkQueueable(ctx, { ...cmd, type: 'message.send' }) : undefined;
  if (remote && !remote.ok) return remote.failure;
  if (users.length === 0 && !remote) return ctx.fail('NOTFOUND', 'no recipient of this message exists');
  const file = `new/${messageFileName(ctx, 0, cmd.message.length, 'new')}`;
  const source = ctx.files.addSource(messageTmpPath(ctx.paths.reviewDir, ctx.timestampSec, ctx.index), cmd.message, ctx.takeStagedFile);
  // Journaled when it arrives, whatever the reviewer decides (apply-archive.ts).
  const archived = journal(ctx, { queueId: cmd.queueId, mailFrom: cmd.envelope.mailFrom, rcptTo: cmd.envelope.rcptTo, bytes: cmd.message, fileName: messageFileName(ctx, 1, cmd.message.length, 'new') });
  if (archived !== undefined) ctx.files.link(source, archivePath(ctx, archived));
  ctx.files.moveInto(source, join(ctx.paths.reviewDir, file));
  const row: HeldRow = {
    queueId: cmd.queueId, rule: cmd.rule, mailFrom: cmd.envelope.mailFrom, rcptTo: cmd.envelope.rcptTo, users,
    remote: remote?.addresses ?? [], file, sizeBytes: cmd.message.length, arrivalMs: ctx.timestampMs, dedupeKey: cmd.dedupeKey,
  };
  ctx.put(keys.held(cmd.queueId), row);
  const value: DeliverValue = { queueId: cmd.queueId, duplicate: false, deliveries: [], held: cmd.rule };
  rememberTransaction(ctx, cmd.dedupeKey, value);
  return ctx.ok(value);
}

export function applyApprove(ctx: ApplyContext, cmd: ReviewApprove): Promise<ApplyResult> {
  const row = ctx.mirror.held.get(cmd.queueId);
  if (!row) return Promise.resolve(ctx.fail('NOTFOUND', `no held message ${cmd.queueId}`));
  const heldPath = join(ctx.paths.reviewDir, row.file);
  // Users removed while it was held get nothing; a missing INBOX cannot happen (user.add makes it).
  const targets: FileTarget[] = row.users.filter((u) => ctx.mirror.users.has(u)).flatMap((user, n) => {
    const mailbox = ctx.mailbox(user, INBOX);
    return mailbox ? [{ user, mailbox, subdir: 'new' as const, name: messageFileName(ctx, n, row.sizeBytes, 'new') }] : [];
  });
  const deliveries: DeliverValue['deliveries'] = [];
  for (const t of targets) {
    ctx.files.link(heldPath, join(ctx.paths.folderDir(t.user, t.mailbox.folder), t.subdir, t.name));
    const uid = addMessage(ctx, t, { flags: [], sizeBytes: row.sizeBytes, internalDateMs: ctx.timestampMs });
    deliveries.push({ user: t.user, mailbox: t.mailbox.name, uidValidity: t.mailbox.uidValidity, uid });
  }
  if (row.remote.length > 0) {
    const file = `new/${messageFileName(ctx, targets.length, row.sizeBytes, 'new')}`;
    ctx.files.link(heldPath, join(ctx.paths.queueDir, file));
    enqueue(ctx, row, row.remote, file);
  }
  removeHeld(ctx, row);
  return Promise.resolve(ctx.ok<DeliverValue>({ queueId: row.queueId, duplicate: false, deliveries, ...(row.remote.length > 0 ? { queued: row.remote } : {}) }));
}

export function applyReject(ctx: ApplyContext, cmd: ReviewReject): Promise<ApplyResult> {
  const row = ctx.mirror.held.get(cmd.queueId);
  if (!row) return Promise.resolve(ctx.fail('NOTFOUND', `no held message ${cmd.queueId}`));
  removeHeld(ctx, row);
  return Promise.resolve(ctx.ok(null));
}

function removeHeld(ctx: ApplyContext, row: HeldRow): void {
  ctx.del(keys.held(row.queueId));
  ctx.retire(`${reviewFolder}/${row.file}`);
}
