/**
 * The admin operations of mail review (`tandem review …`): rules, the held messages, and the
 * reviewer's decisions (approveHeld / rejectHeld in @tandem/smtp, which also tell the sender of a
 * refusal). A decision and `review show` hand mail out or move it, so the admin log records them.
 */
import { limits } from '@tandem/config';
import { approveHeld, heldSubject, rejectHeld, type ReviewDecisionDeps } from '@tandem/smtp';
import type { ApplyResult, DeliverValue, ReviewDirection } from '@tandem/store';
import { AdminRequestError } from './admin-errors.js';
import { accepted, optionalText, requiredText, textList } from './admin-args.js';
import type { AdminHandler } from './admin-operations.js';

export interface ReviewAdminDeps extends ReviewDecisionDeps {
  /** Proposes a command (timestamped by the caller) and answers with its index and value. */
  propose(command: Record<string, unknown> & { type: string }): Promise<unknown>;
}

export function reviewAdminHandlers(deps: ReviewAdminDeps): Record<string, AdminHandler> {
  const { reader } = deps;
  return {
    'review.rule.list': async () => reader.listReviewRules(),
    'review.rule.add': async (args) => {
      const from = optionalText(args, 'from');
      const to = optionalText(args, 'to');
      return deps.propose({
        type: 'review.rule.add', name: requiredText(args, 'name'), direction: (optionalText(args, 'direction') ?? 'any') as ReviewDirection,
        reviewers: textList(args, 'reviewers'), ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}),
      });
    },
    'review.rule.remove': async (args) => deps.propose({ type: 'review.rule.remove', name: requiredText(args, 'name') }),
    'review.list': async () => {
      const held = reader.listHeld();
      return {
        count: held.length,
        entries: await Promise.all(held.slice(0, limits.outboundQueueListMax).map(async (h) => ({
          queueId: h.queueId, rule: h.rule, from: h.mailFrom, to: h.rcptTo, sizeBytes: h.sizeBytes, arrivalMs: h.arrivalMs,
          subject: await heldSubject(reader, h.queueId).catch(() => ''),
        }))),
      };
    },
    // The message whole, base64 (it may be 8-bit or binary).
    'review.show': async (args) => {
      const queueId = requiredText(args, 'queueId');
      const held = reader.getHeld(queueId);
      if (!held) throw new AdminRequestError(404, 'NOTFOUND', `no held message ${queueId}`);
      return { queueId, rule: held.rule, from: held.mailFrom, to: held.rcptTo, message: (await reader.readHeld(queueId)).toString('base64') };
    },
    'review.approve': async (args) => decided(await approveHeld(requiredText(args, 'queueId'), requiredText(args, 'reviewer'), deps)),
    'review.reject': async (args) => {
      const { result, senderTold } = await rejectHeld(requiredText(args, 'queueId'), requiredText(args, 'reviewer'), optionalText(args, 'reason') ?? 'no reason given', deps);
      return { ...decided(result), senderTold };
    },
  };
}

function decided(result: ApplyResult): { index: number; delivered: number; queued: string[] } {
  const done = accepted(result);
  const value = done.value as DeliverValue | null;
  return { index: done.index, delivered: value?.deliveries.length ?? 0, queued: value?.queued ?? [] };
}
