/**
 * What the SMTP sessions ask of the rest of the server: may this recipient get mail, who is this
 * AUTH user, and deliver this message. SmtpIntake speaks only to this seam, so the sessions can run
 * on the thread that owns the store (localIntakeBackend) or on a thread of their own, asking the
 * store's thread over a message port (intake-thread.ts). Either way the answers come from the one
 * place that holds the applied state, and every delivery is proposed there.
 */
import { canonicalAddress, type CommandLog, type StoreReader } from '@tandem/store';
import { deliverMessage, type DeliveryOutcome, type DeliveryRequest } from './deliver-message.js';
import type { IntakeLogger } from './intake-logger.js';
import { messageIdOf } from './message-id.js';
import { routeRecipient, type RecipientContext } from './recipient-policy.js';
import { notifyReviewers } from './notify-reviewers.js';

/** The session facts a decision depends on. */
export interface IntakeSession {
  id: string;
  /** The authenticated user, when the session has one (submission). */
  authenticatedUser: string | undefined;
  /** The transaction's MAIL FROM ('' for <> or before MAIL); outbound needs it to be the user's own. */
  mailFrom?: string;
}

export interface AuthUser { address: string; passwordHash: string }

export interface IntakeBackend {
  /**
   * RCPT TO (RFC 5321 §4.1.1.3): resolves when the address may be given mail in this session —
   * with 'local' for a local recipient (the same for every session) and 'remote' for one queued
   * for outbound delivery (only for this session: it depends on AUTH); rejects with the reason
   * (an error of smtp-errors.ts).
   */
  checkRecipient(address: string, session: IntakeSession): Promise<'local' | 'remote'>;
  /** The user an AUTH exchange names, if there is one. */
  lookupUser(username: string): Promise<AuthUser | undefined>;
  /** Proposes the delivery; resolves once it is durable and applied (deliver-message.ts). */
  deliver(request: DeliveryRequest, session: IntakeSession): Promise<DeliveryOutcome>;
}

export interface LocalBackendDeps {
  reader: StoreReader;
  commandLog: CommandLog;
  /** The proposer's clock (commands carry its time; apply() never reads one). */
  nowMs: () => number;
  /** Where the mail log's line for each accepted message goes (info). */
  logger: IntakeLogger;
  /** Outbound delivery is configured: authenticated clients may send to other domains. */
  outbound?: boolean;
}

/** The backend on the store's own thread: direct reads of the applied state, proposals to the log. */
export function localIntakeBackend(deps: LocalBackendDeps): IntakeBackend {
  const { reader, commandLog, nowMs, logger } = deps;
  const context = (session: IntakeSession): RecipientContext => ({
    reader, authenticatedUser: session.authenticatedUser, mailFrom: session.mailFrom ?? '', outbound: deps.outbound ?? false,
  });
  return {
    checkRecipient: async (address, session) => routeRecipient(address, context(session)).kind,
    lookupUser: async (username) => {
      try {
        const user = reader.getUser(canonicalAddress(username.trim()));
        return user && { address: user.address, passwordHash: user.passwordHash };
      } catch {
        return undefined;
      }
    },
    deliver: async (request, session) => {
      const outcome = await deliverMessage(request, {
        reader, commandLog, nowMs, authenticatedUser: session.authenticatedUser,
        routeRecipient: (a) => routeRecipient(a, context(session)),
      });
      logAccepted(logger, request, session, outcome);
      // The held message is durable; its reviewers hear of it before the 250 goes out, and a
      // notice that cannot be stored is logged (the message is still in `tandem review list`).
      if (outcome.held !== undefined && !outcome.duplicate) {
        await notifyReviewers(outcome.queueId, { reader, commandLog, nowMs, hostname: request.trace.hostname }).catch((err: unknown) => {
          logger.warn({ queueId: outcome.queueId, err: (err as Error).message }, 'review: the reviewers could not be told of a held message');
        });
      }
      return outcome;
    },
  };
}

/**
 * The mail log: one line per accepted message, written once it is durable (what the 250 says), on
 * the store's thread whichever thread ran the session. It carries what an admin searches by when
 * a sender asks where a message went: the queue id from the 250, the client, the envelope, the
 * Message-ID (as Postfix's smtpd, cleanup and qmgr lines do between them).
 */
function logAccepted(logger: IntakeLogger, request: DeliveryRequest, session: IntakeSession, outcome: DeliveryOutcome): void {
  logger.info({
    queueId: outcome.queueId, session: session.id, client: request.trace.remoteAddress, helo: request.trace.heloName || undefined,
    ...(session.authenticatedUser === undefined ? {} : { user: session.authenticatedUser }),
    from: request.mailFrom, to: request.rcptTo, sizeBytes: request.raw.length, messageId: messageIdOf(request.raw),
    ...(outcome.duplicate ? { duplicate: true } : {}), ...(outcome.held !== undefined ? { held: outcome.held } : {}),
  }, 'message accepted');
}
