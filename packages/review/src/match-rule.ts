/**
 * Which review rule, if any, holds a message (DESIGN §3: the rules are checked before the command
 * is made, so the command says "hold" and every node applies the same). The rules are replicated
 * state (apply-review.ts in @tandem/store); this is the pure decision over them.
 *
 * A rule's conditions all must hold: `from` matches the envelope sender, `to` any one recipient,
 * each an exact address or "@domain" (case-insensitive, as addresses are compared everywhere here);
 * `direction` is how the message travels. The first matching rule by name wins, so the outcome does
 * not depend on the order rules were added in.
 */
import { matchesAddressPattern, type ReviewRule } from '@tandem/store';

/** inbound: from outside (no AUTH); outbound: AUTH and a recipient elsewhere; internal: AUTH and every recipient local. */
export type Direction = 'inbound' | 'outbound' | 'internal';

export interface ReviewedTransaction {
  /** MAIL FROM ('' for <>). */
  mailFrom: string;
  rcptTo: readonly string[];
  direction: Direction;
}

export function matchingRule(rules: readonly ReviewRule[], tx: ReviewedTransaction): ReviewRule | undefined {
  const sorted = [...rules].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return sorted.find((rule) =>
    (rule.direction === 'any' || rule.direction === tx.direction) &&
    (rule.from === undefined || matchesAddressPattern(rule.from, tx.mailFrom)) &&
    (rule.to === undefined || tx.rcptTo.some((rcpt) => matchesAddressPattern(rule.to!, rcpt))));
}
