/**
 * STORE and UID STORE (RFC 9051 §6.4.6, §6.4.9) with UNCHANGEDSINCE (RFC 7162 §3.1.3).
 *
 * One message.store for the whole set. Without .SILENT each message whose flags the STORE changed
 * comes back in an untagged FETCH with its new flags (with UID for UID STORE, and MODSEQ once
 * CONDSTORE is on); with .SILENT and CONDSTORE on, a changed message's FETCH still carries its new
 * MODSEQ. A message the STORE left as it was has no "updated value" to return (RFC 9051 §6.4.6:
 * "Normally, STORE will return the updated value of the data with an untagged FETCH response" —
 * no requirement keyword, and nothing was updated) and keeps its MODSEQ, so it gets no FETCH —
 * Dovecot does the same; a +FLAGS over a whole mailbox mostly meets such messages. The exception is
 * a STORE with UNCHANGEDSINCE: there every message that passed the test gets a FETCH with MODSEQ,
 * .SILENT or not (RFC 7162 §3.1.3, the UNCHANGEDSINCE modifier: "An untagged FETCH response MUST be
 * sent, even if the .SILENT suffix is specified, and the response MUST include the MODSEQ message
 * data item"). Messages UNCHANGEDSINCE left alone are reported in OK [MODIFIED set] — sequence
 * numbers for STORE, UIDs for UID STORE.
 */
import { normaliseFlags } from '@tandem/store';
import type { StoreValue } from '@tandem/store';
import type { StoreCommand } from '../../wire/command-types.js';
import { ok, selectedState } from '../command-handler.js';
import type { CommandHandler } from '../command-handler.js';
import { enableCondstore } from '../condstore-enabling.js';
import { ImapNoError, StoreCommandError } from '../imap-errors.js';
import type { SelectedMailbox, SelectedMessage, ViewMessage } from '../selected-mailbox.js';
import type { Session } from '../session.js';

export const storeHandler: CommandHandler<StoreCommand> = {
  states: selectedState,
  expungesAllowed: (command) => command.set.kind === 'uid' || (command.set.kind === 'saved' && command.set.numbering === 'uid'),
  async run(session, command) {
    const view = session.requireSelected();
    const byUid = command.set.kind === 'uid' || (command.set.kind === 'saved' && command.set.numbering === 'uid');
    if (view.readOnly) throw new ImapNoError('Mailbox is read-only', { code: 'READ-ONLY' });
    if (command.unchangedSince !== null) enableCondstore(session);
    const flags = normaliseFlags(command.flags);
    const targets = view.resolve(command.set, session.savedSearch).filter((t) => !t.message.expunged);
    if (targets.length === 0) return ok(`${byUid ? 'UID ' : ''}STORE completed`);
    const result = await session.proposeRaw({
      type: 'message.store', user: view.user, mailbox: view.name, uids: targets.map((t) => t.message.uid),
      operation: command.operation, flags, ...(command.unchangedSince !== null ? { unchangedSince: command.unchangedSince } : {}),
    });
    let value: StoreValue;
    if (result.ok) value = result.value as StoreValue;
    else if (result.error === 'MODIFIED') value = { updated: [], modified: parseUidSet(result.message) };
    else throw new StoreCommandError(result.error, result.message);
    if (command.unchangedSince === null) writeStoreResponses(session, view, value, command.silent, byUid);
    else writeConditionalStoreResponses(session, view, value, targets, command.silent, byUid);
    if (value.modified.length === 0) return ok(`${byUid ? 'UID ' : ''}STORE completed`);
    const numbers = byUid ? value.modified : value.modified.map((uid) => view.seqOf(uid)).filter((s) => s > 0).sort((a, b) => a - b);
    return ok('Conditional STORE failed for some messages', { code: 'MODIFIED', numbers });
  },
};

/**
 * The untagged FETCH per changed message (RFC 9051 §6.4.6), written as text: flags are atoms and
 * the rest numbers, so there is nothing to quote, and a STORE over a whole mailbox may write
 * 10,000 of these. `value.updated` holds exactly the messages the STORE changed, ascending.
 */
function writeStoreResponses(session: Session, view: SelectedMailbox, value: StoreValue, silent: boolean, byUid: boolean): void {
  const condstore = session.condstore;
  if (silent && !condstore) {
    for (const updated of value.updated) {
      const m = view.byUidOrUndefined(updated.uid);
      if (m && m.modSeq === updated.modSeq) view.flagsTold(updated.uid); // our own change: no second FETCH for it
    }
    return;
  }
  const withUid = byUid || session.condstore; // RFC 7162 §3.2.4: UID in every FETCH once CONDSTORE is on
  const out = session.out;
  for (const updated of value.updated) {
    const seq = view.seqOf(updated.uid);
    const m = view.at(seq);
    if (!m) continue;
    if (m.modSeq === updated.modSeq) view.flagsTold(updated.uid); // our own change: no second FETCH for it
    out.write(fetchLine(seq, m, updated.uid, silent ? null : updated.flags, withUid, condstore ? updated.modSeq : null));
  }
}

/**
 * With UNCHANGEDSINCE (RFC 7162 §3.1.3) every message that passed the test gets its FETCH with
 * MODSEQ, in sequence order: the changed ones with their new flags and MODSEQ, the others (flags
 * already as asked) with the flags and MODSEQ the view holds, which the store's change events
 * keep current. Messages that failed the test, or were expunged meanwhile, get none.
 */
function writeConditionalStoreResponses(
  session: Session, view: SelectedMailbox, value: StoreValue, targets: readonly SelectedMessage[], silent: boolean, byUid: boolean,
): void {
  const withUid = byUid || session.condstore; // RFC 7162 §3.2.4: UID in every FETCH once CONDSTORE is on
  const modified = new Set(value.modified);
  const changed = new Map(value.updated.map((u) => [u.uid, u]));
  const out = session.out;
  for (const { seq, message: m } of targets) {
    if (modified.has(m.uid) || m.expunged) continue;
    const updated = changed.get(m.uid);
    // Told: our own change (no second FETCH for it), or the current flags written out.
    if (updated ? m.modSeq === updated.modSeq : !silent) view.flagsTold(m.uid);
    out.write(fetchLine(seq, m, m.uid, silent ? null : updated?.flags ?? m.flags, withUid, updated?.modSeq ?? m.modSeq));
  }
}

function fetchLine(seq: number, m: ViewMessage, uid: number, flags: readonly string[] | null, withUid: boolean, modSeq: number | null): string {
  let items = flags === null ? '' : `FLAGS (${(m.recent ? [...flags, '\\Recent'] : flags).join(' ')})`;
  if (withUid) items += `${items ? ' ' : ''}UID ${uid}`;
  if (modSeq !== null) items += `${items ? ' ' : ''}MODSEQ (${modSeq})`;
  return `* ${seq} FETCH (${items})\r\n`;
}

/** The MODIFIED failure carries its UIDs as a sequence set text (packages/store apply-message.ts). */
function parseUidSet(text: string): number[] {
  const uids: number[] = [];
  for (const part of text.split(',')) {
    const [a, b] = part.split(':').map(Number);
    if (a === undefined || !Number.isSafeInteger(a)) continue;
    for (let uid = a; uid <= (b ?? a); uid++) uids.push(uid);
  }
  return uids;
}
