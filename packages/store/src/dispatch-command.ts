/**
 * Routes a command to its apply handler, and turns the validation errors a handler throws (a bad
 * name, address or flag that got past the proposer) into an INVALID result: deterministic, the
 * same on every node. Anything else a handler throws is an I/O failure and propagates (fatal).
 */
import type { Command } from './command.js';
import type { ApplyResult } from './apply-result.js';
import type { ApplyContext } from './apply-context.js';
import { InvalidAddressError, InvalidMailboxNameError } from './store-errors.js';
import { InvalidFlagError } from './message-flags.js';
import {
  applyAliasAdd, applyAliasRemove, applyDomainAdd, applyDomainRemove, applyUserAdd, applyUserPasswd, applyUserQuota, applyUserRemove,
} from './apply-account.js';
import { applyMailboxCreate, applyMailboxDelete, applyMailboxRename, applyMailboxSubscribe } from './apply-mailbox.js';
import { applyAppend, applyDeliver } from './apply-delivery.js';
import { applyCopy, applyExpunge, applyStore } from './apply-message.js';
import { applyQueueAttempt, applyQueueRemove, applyQueueRetry } from './apply-queue.js';
import { applyApprove, applyHold, applyReject, applyReviewRuleAdd, applyReviewRuleRemove } from './apply-review.js';
import { applyArchiveConfigure, applyArchiveExpire, applyArchiveHoldAdd, applyArchiveHoldRemove } from './apply-archive.js';

function route(ctx: ApplyContext, cmd: Command): Promise<ApplyResult> {
  switch (cmd.type) {
    case 'domain.add': return applyDomainAdd(ctx, cmd);
    case 'domain.remove': return applyDomainRemove(ctx, cmd);
    case 'user.add': return applyUserAdd(ctx, cmd);
    case 'user.remove': return applyUserRemove(ctx, cmd);
    case 'user.passwd': return applyUserPasswd(ctx, cmd);
    case 'user.quota': return applyUserQuota(ctx, cmd);
    case 'alias.add': return applyAliasAdd(ctx, cmd);
    case 'alias.remove': return applyAliasRemove(ctx, cmd);
    case 'mailbox.create': return applyMailboxCreate(ctx, cmd);
    case 'mailbox.rename': return applyMailboxRename(ctx, cmd);
    case 'mailbox.delete': return applyMailboxDelete(ctx, cmd);
    case 'mailbox.subscribe': return applyMailboxSubscribe(ctx, cmd);
    case 'message.deliver': case 'message.send': return applyDeliver(ctx, cmd);
    case 'message.append': return applyAppend(ctx, cmd);
    case 'message.store': return applyStore(ctx, cmd);
    case 'message.copy': return applyCopy(ctx, cmd);
    case 'message.expunge': return applyExpunge(ctx, cmd);
    case 'queue.attempt': return applyQueueAttempt(ctx, cmd);
    case 'queue.retry': return applyQueueRetry(ctx, cmd);
    case 'queue.remove': return applyQueueRemove(ctx, cmd);
    case 'review.rule.add': return applyReviewRuleAdd(ctx, cmd);
    case 'review.rule.remove': return applyReviewRuleRemove(ctx, cmd);
    case 'message.hold': return applyHold(ctx, cmd);
    case 'review.approve': return applyApprove(ctx, cmd);
    case 'review.reject': return applyReject(ctx, cmd);
    case 'archive.configure': return applyArchiveConfigure(ctx, cmd);
    case 'archive.hold.add': return applyArchiveHoldAdd(ctx, cmd);
    case 'archive.hold.remove': return applyArchiveHoldRemove(ctx, cmd);
    case 'archive.expire': return applyArchiveExpire(ctx, cmd);
    default: {
      const unknown: { type?: unknown } = cmd;
      return Promise.resolve(ctx.fail('INVALID', `unknown command type ${JSON.stringify(unknown.type)}`));
    }
  }
}

export async function dispatchCommand(ctx: ApplyContext, cmd: Command): Promise<ApplyResult> {
  try {
    return await route(ctx, cmd);
  } catch (err) {
    if (err instanceof InvalidMailboxNameError || err instanceof InvalidAddressError || err instanceof InvalidFlagError) {
      return ctx.fail('INVALID', err.message);
    }
    throw err;
  }
}

/** Commands that change who receives mail (domains, users, aliases): MailStore emits 'directory' after them. */
export function changesDirectory(command: Command): boolean {
  return command.type.startsWith('domain.') || command.type.startsWith('user.') || command.type.startsWith('alias.');
}

/** Commands that only add or change messages (never remove a directory) may share a commit. */
export function sharesCommit(command: Command): boolean {
  switch (command.type) {
    case 'message.deliver': case 'message.append': case 'message.store': case 'message.copy': case 'message.expunge':
    case 'mailbox.subscribe': case 'message.send': case 'queue.attempt': case 'queue.retry': case 'queue.remove':
    case 'message.hold': case 'review.approve': case 'review.reject': case 'archive.expire':
      return true;
    default:
      return false;
  }
}
