/**
 * The UIDs a QRESYNC client must be told are gone: VANISHED (EARLIER) at SELECT (RFC 7162
 * §3.2.5.1) and for UID FETCH (VANISHED) (§3.2.6). From the store's expunge history when it
 * reaches back to the client's MODSEQ (only UIDs expunged since then, in the client's set);
 * otherwise every UID of the client's set that is not in the mailbox now (§3.2.5.1 allows
 * reporting UIDs the client does not have).
 */
import type { StoreReader } from '@tandem/store';
import { missingRanges } from './uid-ranges.js';

export function vanishedRanges(
  reader: StoreReader, user: string, mailbox: string, modSeq: number,
  wanted: ReadonlyArray<readonly [number, number]>, present: readonly number[],
): Array<[number, number]> {
  const floor = reader.expungeHistoryFloorModSeq(user, mailbox);
  if (floor === undefined || modSeq < floor) return missingRanges(wanted, present);
  const out: Array<[number, number]> = [];
  let w = 0;
  for (const uid of reader.expungedSince(user, mailbox, modSeq)) {
    while (w < wanted.length && wanted[w]![1] < uid) w++;
    if (w === wanted.length) break;
    if (uid < wanted[w]![0]) continue;
    const last = out[out.length - 1];
    if (last && last[1] === uid - 1) last[1] = uid;
    else out.push([uid, uid]);
  }
  return out;
}
