/**
 * Message flags as the index stores them: the system flags of RFC 9051 §2.3.2 in their canonical
 * spelling, then keywords. Flags are case-insensitive (RFC 9051 §2.3.2 / §9 "flag-keyword" is an
 * atom; servers compare them without case), so a keyword keeps the spelling it was first set with.
 * \Recent is not a storable flag (RFC 9051 drops it; RFC 3501 §6.4.6 forbids storing it): it is
 * ignored. The result order is fixed (system flags, then keywords by first appearance), so every
 * node computes the same row.
 */
import { limits } from '@tandem/config';

export const systemFlags = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'] as const;
const systemByLower = new Map<string, string>(systemFlags.map((f) => [f.toLowerCase(), f]));

// RFC 9051 §9: atom = 1*ATOM-CHAR; ATOM-CHAR excludes ( ) { SP CTL % * " \ ] (and non-ASCII).
const keywordRe = /^[\x21\x23\x24\x26\x27\x2b-\x5b\x5e-\x7a\x7c-\x7e]+$/;

export class InvalidFlagError extends Error {
  override readonly name = 'InvalidFlagError';
  constructor(readonly flag: string, reason: string) { super(`invalid flag ${JSON.stringify(flag)}: ${reason}`); }
}

/** Validates and canonicalises a flag list; throws InvalidFlagError. Duplicates collapse. */
export function normaliseFlags(input: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const flag of input) {
    if (typeof flag !== 'string' || flag.length === 0) throw new InvalidFlagError(String(flag), 'empty');
    const lower = flag.toLowerCase();
    if (lower === '\\recent') continue;
    let canonical: string;
    if (flag.startsWith('\\')) {
      const system = systemByLower.get(lower);
      if (!system) throw new InvalidFlagError(flag, 'not a system flag (RFC 9051 §2.3.2)');
      canonical = system;
    } else {
      if (flag.length > 100 || !keywordRe.test(flag)) throw new InvalidFlagError(flag, 'not an IMAP atom');
      canonical = flag;
    }
    if (seen.has(lower)) continue;
    seen.add(lower);
    out.push(canonical);
  }
  return sortFlags(out);
}

function sortFlags(flags: string[]): string[] {
  const system = systemFlags.filter((s) => flags.includes(s));
  const keywords = flags.filter((f) => !f.startsWith('\\'));
  const result = [...system, ...keywords];
  if (result.length > limits.messageFlagsMax) {
    throw new InvalidFlagError(result[limits.messageFlagsMax]!, `more than ${limits.messageFlagsMax} flags on one message`);
  }
  return result;
}

/** RFC 9051 §6.4.6: FLAGS replaces, +FLAGS adds, -FLAGS removes. Inputs are already normalised. */
export function combineFlags(current: readonly string[], operation: 'add' | 'remove' | 'replace', given: readonly string[]): string[] {
  if (operation === 'replace') return [...given];
  const givenLower = new Set(given.map((f) => f.toLowerCase()));
  if (operation === 'remove') return current.filter((f) => !givenLower.has(f.toLowerCase()));
  const currentLower = new Set(current.map((f) => f.toLowerCase()));
  return sortFlags([...current, ...given.filter((f) => !currentLower.has(f.toLowerCase()))]);
}

export function sameFlags(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((f, i) => f === b[i]);
}
