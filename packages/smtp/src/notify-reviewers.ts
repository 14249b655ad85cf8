/**
 * Tells a held message's reviewers (its rule's, those that are still local users) with a notice in
 * their INBOX (packages/review/src/held-notice.ts). The notice is a local delivery with a dedupe key
 * per held message: a repeat (a retried transaction, a second caller) stores it once.
 */
import { simpleParser } from 'mailparser';
import { heldNotice } from '@tandem/review';
import { headerSection, type CommandLog, type StoreReader } from '@tandem/store';
import { serverMessage } from './server-message.js';

export interface NotifyDeps {
  reader: StoreReader;
  commandLog: CommandLog;
  nowMs(): number;
  hostname: string;
}

export async function notifyReviewers(queueId: string, deps: NotifyDeps): Promise<void> {
  const held = deps.reader.getHeld(queueId);
  if (!held) return; // decided already
  const rule = deps.reader.listReviewRules().find((r) => r.name === held.rule);
  const reviewers = (rule?.reviewers ?? []).filter((r) => deps.reader.getUser(r) !== undefined);
  if (reviewers.length === 0) return;
  const subject = await heldSubject(deps.reader, queueId);
  const timestampMs = deps.nowMs();
  const message = await heldNotice({
    hostname: deps.hostname, reviewers, queueId, rule: held.rule, mailFrom: held.mailFrom, rcptTo: held.rcptTo,
    subject, sizeBytes: held.sizeBytes, dateMs: timestampMs,
  });
  const result = await deps.commandLog.propose(serverMessage({ rcptTo: reviewers, users: reviewers, dedupeKey: `review-notice:${queueId}`, message, timestampMs }));
  if (!result.ok) throw new Error(`${result.error}: ${result.message}`);
}

/** A held message's Subject as a person reads it (RFC 2047 words decoded), from its header section only; '' when it has none. */
export async function heldSubject(reader: StoreReader, queueId: string): Promise<string> {
  return (await simpleParser(headerSection(await reader.readHeld(queueId)))).subject ?? '';
}
