/**
 * LIST/LSUB patterns (RFC 9051 §6.3.9): "*" matches any run of characters, "%" any run without the
 * hierarchy delimiter. The reference is prefixed to the pattern. "INBOX" is case-insensitive
 * (RFC 9051 §5.1), so its first hierarchy level is compared without case; every other name is
 * compared exactly. Matching is a linear-space dynamic programme (no regular expressions), so a
 * hostile "*%*%*%..." pattern costs O(pattern × name), both bounded.
 */
import { hierarchyDelimiter } from '@tandem/store';
import { ImapBadError } from './imap-errors.js';

/** Longer patterns are refused with BAD (mailbox names are at most limits.mailboxNameBytesMax). */
export const patternLengthMax = 1024;

export type NameMatcher = (name: string) => boolean;

export function compilePattern(reference: string, pattern: string): NameMatcher {
  const full = (reference + pattern).replace(/\*+/g, '*');
  if (full.length > patternLengthMax) throw new ImapBadError(`Mailbox pattern too long (at most ${patternLengthMax} characters)`);
  const inboxFull = upperFirstLevel(full);
  return (name) => wildcardMatch(full, name) || (isInboxName(name) && wildcardMatch(inboxFull, name));
}

function isInboxName(name: string): boolean {
  return name === 'INBOX' || name.startsWith(`INBOX${hierarchyDelimiter}`);
}

function upperFirstLevel(pattern: string): string {
  const cut = pattern.indexOf(hierarchyDelimiter);
  return cut === -1 ? pattern.toUpperCase() : pattern.slice(0, cut).toUpperCase() + pattern.slice(cut);
}

/** Wildcard match over UTF-16 code units ("*" and "%" never occur in stored names). */
export function wildcardMatch(pattern: string, name: string): boolean {
  // can[j]: pattern[0, i) matches name[0, j).
  let can = new Uint8Array(name.length + 1);
  can[0] = 1;
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    const next = new Uint8Array(name.length + 1);
    if (p === '*' || p === '%') {
      // reach: some k <= j has can[k] and the wildcard may consume name[k, j).
      let reach = 0;
      for (let j = 0; j <= name.length; j++) {
        if (p === '%' && j > 0 && name[j - 1] === hierarchyDelimiter) reach = 0;
        if (can[j]) reach = 1;
        next[j] = reach;
      }
    } else {
      for (let j = 1; j <= name.length; j++) next[j] = can[j - 1] && name[j - 1] === p ? 1 : 0;
    }
    can = next;
  }
  return can[name.length] === 1;
}
