/**
 * UID sets in the IMAP sequence-set spelling (RFC 9051 §9: "1:3,7"), the compact form the store
 * uses wherever it keeps or reports many UIDs at once: the MODIFIED response code of a STORE
 * (RFC 7162 §3.1.3) and the expunge history behind VANISHED (RFC 7162 §3.2.10).
 */

/** "1:3,7" for [1, 2, 3, 7]; the UIDs must be distinct and ascending. */
export function compactUidSet(uids: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < uids.length; i++) {
    let j = i;
    while (j + 1 < uids.length && uids[j + 1] === uids[j]! + 1) j++;
    parts.push(i === j ? `${uids[i]}` : `${uids[i]}:${uids[j]}`);
    i = j;
  }
  return parts.join(',');
}

/** The ranges of a set made by compactUidSet, as [first, last] pairs; throws on anything else. */
export function uidSetRanges(set: string): Array<[number, number]> {
  if (set === '') return [];
  return set.split(',').map((part) => {
    const [a, b, extra] = part.split(':');
    const first = Number(a);
    const last = b === undefined ? first : Number(b);
    if (extra !== undefined || !Number.isSafeInteger(first) || !Number.isSafeInteger(last) || first < 1 || last < first) {
      throw new Error(`bad UID set ${JSON.stringify(set)}`);
    }
    return [first, last];
  });
}

/** How many UIDs a compact set holds. */
export function uidSetSize(set: string): number {
  return uidSetRanges(set).reduce((n, [first, last]) => n + last - first + 1, 0);
}

/** Every UID of a compact set, ascending. */
export function expandUidSet(set: string): number[] {
  const out: number[] = [];
  for (const [first, last] of uidSetRanges(set)) for (let uid = first; uid <= last; uid++) out.push(uid);
  return out;
}
