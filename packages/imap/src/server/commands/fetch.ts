/**
 * FETCH and UID FETCH (RFC 9051 §6.4.5, §6.4.9), with CHANGEDSINCE and VANISHED (RFC 7162 §3.1.4,
 * §3.2.6) and BINARY (RFC 3516).
 *
 * Fetching BODY[...] (not PEEK), BINARY[...], RFC822 or RFC822.TEXT from a read-write mailbox sets
 * \Seen (RFC 9051 §6.4.5): one message.store for all such messages, proposed before the responses,
 * whose FETCH then carries the new FLAGS. Responses are streamed in batches
 * (limits.imapFetchBatchMessages) with the files of a batch read in parallel, each batch but the
 * last flushed with backpressure (the last goes out with the tagged reply, in one write), and the
 * event loop given to other sessions between batches once a time slice is used up (time-slice.ts).
 */
import { limits } from '@tandem/config';
import type { FetchCommand } from '../../wire/command-types.js';
import { fetchItemSetsSeen } from '../../wire/fetch-item.js';
import { resolveSequenceSet } from '../../wire/sequence-set.js';
import { writeFetch } from '../../wire/response-encoder.js';
import { ok, selectedState } from '../command-handler.js';
import type { CommandHandler } from '../command-handler.js';
import { enableCondstore } from '../condstore-enabling.js';
import { fetchMessage, fetchMessageNow, planFetch } from '../fetch-attributes.js';
import { ImapBadError, ImapNoError } from '../imap-errors.js';
import { parallelMap } from '../parallel-map.js';
import type { SelectedMessage, ViewMessage } from '../selected-mailbox.js';
import type { ImapValue } from '../../wire/imap-value.js';
import type { Session } from '../session.js';
import { clipIntervals, formatRanges } from '../uid-ranges.js';
import { vanishedRanges } from '../vanished-uids.js';
import { TimeSlice } from '../time-slice.js';

export const fetchHandler: CommandHandler<FetchCommand> = {
  states: selectedState,
  // RFC 9051 §7.5.1: no EXPUNGE during FETCH; UID FETCH may carry them.
  expungesAllowed: (command) => command.set.kind === 'uid' || (command.set.kind === 'saved' && command.set.numbering === 'uid'),
  async run(session, command) {
    const view = session.requireSelected();
    const byUid = command.set.kind === 'uid' || (command.set.kind === 'saved' && command.set.numbering === 'uid');
    if (command.changedSince !== null || command.items.some((i) => i.item === 'MODSEQ')) enableCondstore(session);
    if (command.vanished && !session.qresync) throw new ImapBadError('VANISHED needs ENABLE QRESYNC');
    let targets = view.resolve(command.set, session.savedSearch);
    if (command.changedSince !== null) {
      const since = command.changedSince;
      targets = targets.filter((t) => t.message.modSeq > since);
    }
    if (command.vanished && command.set.kind === 'uid') writeVanishedEarlier(session, command);
    const seen = await markSeen(session, command, targets);
    const plan = planFetch(command.items, byUid, command.changedSince !== null, session.utf8);
    const incomplete = await streamFetch(session, targets, plan, seen);
    if (incomplete) throw new ImapNoError('Some of the messages were expunged by another session', { code: 'EXPUNGEISSUED' });
    return ok(`${byUid ? 'UID ' : ''}FETCH completed`);
  },
};

/** RFC 7162 §3.2.6: the UIDs of the set that are gone, before the FETCH responses. */
function writeVanishedEarlier(session: Session, command: FetchCommand): void {
  if (command.set.kind !== 'uid') return;
  const view = session.requireSelected();
  const mailbox = session.server.reader.getMailbox(view.user, view.name);
  if (!mailbox) return;
  const wanted = clipIntervals(resolveSequenceSet(command.set.ranges, view.lastUid), mailbox.uidNext - 1);
  const present = view.all().filter((m) => !m.expunged).map((m) => m.uid);
  const gone = vanishedRanges(session.server.reader, view.user, view.name, command.changedSince ?? 0, wanted, present);
  if (gone.length > 0) session.out.write(`* VANISHED (EARLIER) ${formatRanges(gone)}\r\n`);
}

/** Sets \Seen where the fetch implies it; returns the UIDs whose FLAGS the responses must carry. */
async function markSeen(session: Session, command: FetchCommand, targets: readonly SelectedMessage[]): Promise<Set<number>> {
  const view = session.requireSelected();
  const changed = new Set<number>();
  if (view.readOnly || !command.items.some(fetchItemSetsSeen)) return changed;
  const uids = targets.filter((t) => !t.message.expunged && !t.message.flags.includes('\\Seen')).map((t) => t.message.uid);
  if (uids.length === 0) return changed;
  await session.propose({ type: 'message.store', user: view.user, mailbox: view.name, uids, operation: 'add', flags: ['\\Seen'] });
  for (const uid of uids) changed.add(uid);
  return changed;
}

/**
 * RFC 7162 §3.2.4: once CONDSTORE is on, a FETCH that set \Seen carries UID and MODSEQ (the new
 * mod-sequence) whatever items were asked for, as every other untagged FETCH does.
 */
function withUidAndModSeq(items: Array<[string, ImapValue]>, m: ViewMessage): Array<[string, ImapValue]> {
  const out = items.some(([name]) => name === 'UID') ? items : [['UID', m.uid] as [string, ImapValue], ...items];
  if (!out.some(([name]) => name === 'MODSEQ')) out.push(['MODSEQ', [m.modSeq]]);
  return out;
}

/** Writes the responses batch by batch; true when some message could not be read any more. */
async function streamFetch(session: Session, targets: readonly SelectedMessage[], plan: ReturnType<typeof planFetch>, seen: ReadonlySet<number>): Promise<boolean> {
  const view = session.requireSelected();
  const { messages } = session.server;
  const slice = new TimeSlice();
  let incomplete = false;
  for (let start = 0; start < targets.length; start += limits.imapFetchBatchMessages) {
    if (start > 0) await slice.pause();
    const batch = targets.slice(start, start + limits.imapFetchBatchMessages);
    // Index data and cached values are taken now; only the rest is read, in parallel.
    const responses = batch.map((t) => fetchMessageNow(messages, view.pathOf(t.message), t.message, plan, seen.has(t.message.uid)));
    const toRead = batch.flatMap((t, i) => (responses[i] === null ? [i] : []));
    const read = await parallelMap(toRead, limits.imapReadsInFlightMax, (i) => {
      const t = batch[i]!;
      return fetchMessage(messages, view.pathOf(t.message), t.message, plan, seen.has(t.message.uid));
    });
    toRead.forEach((i, k) => { responses[i] = read[k]!; });
    const out = session.out;
    batch.forEach((t, i) => {
      let items = responses[i];
      if (!items) { incomplete = true; return; }
      if (session.condstore && seen.has(t.message.uid)) items = withUidAndModSeq(items, t.message);
      writeFetch(out, t.seq, items);
      if (items.some(([name]) => name === 'FLAGS')) view.flagsTold(t.message.uid);
    });
    if (start + limits.imapFetchBatchMessages < targets.length) await session.flush();
  }
  return incomplete;
}
