/**
 * SELECT/EXAMINE ... (QRESYNC (uidvalidity modseq [known-uids] [seq-match])) (RFC 7162 §3.2.5):
 * when the client's UIDVALIDITY still holds, it is told which of its UIDs vanished (VANISHED
 * (EARLIER)) and the flags of every message changed since its mod-sequence, so it needs no further
 * round trips. VANISHED comes from the store's expunge history (vanished-uids.ts); the seq-match
 * data (§3.2.5.2) only helps servers without that history, so it is not needed here.
 */
import type { MailboxRecord } from '@tandem/store';
import type { QresyncParameters } from '../wire/command-types.js';
import { resolveSequenceSet } from '../wire/sequence-set.js';
import { writeFlagsFetch } from './selected-mailbox.js';
import type { SelectedMailbox } from './selected-mailbox.js';
import type { Session } from './session.js';
import { clipIntervals, formatRanges } from './uid-ranges.js';
import { vanishedRanges } from './vanished-uids.js';

export function qresyncOnSelect(session: Session, view: SelectedMailbox, mailbox: MailboxRecord, params: QresyncParameters): void {
  if (params.uidValidity !== mailbox.uidValidity) return; // §3.2.5.1: the client must resynchronise fully
  const lastUid = mailbox.uidNext - 1;
  const known = params.knownUids && params.knownUids.kind !== 'saved'
    ? clipIntervals(resolveSequenceSet(params.knownUids.ranges, view.lastUid), lastUid)
    : clipIntervals([[1, lastUid]], lastUid);
  const messages = view.all();
  const vanished = vanishedRanges(session.server.reader, view.user, view.name, params.modSeq, known, messages.map((m) => m.uid));
  if (vanished.length > 0) session.out.write(`* VANISHED (EARLIER) ${formatRanges(vanished)}\r\n`);
  let k = 0; // messages and intervals are both ascending: one walk
  messages.forEach((m, i) => {
    while (k < known.length && known[k]![1] < m.uid) k++;
    const inKnown = k < known.length && known[k]![0] <= m.uid;
    if (inKnown && m.modSeq > params.modSeq) writeFlagsFetch(session.out, i + 1, m, { condstore: true, qresync: true });
  });
}
