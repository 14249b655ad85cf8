/**
 * STORE and UID STORE (RFC 9051 §6.4.6, §6.4.9) with UNCHANGEDSINCE (RFC 7162 §3.1.3).
 *
 * One message.store for the whole set. Without .SILENT each message's new flags come back in an
 * untagged FETCH (with UID for UID STORE, and MODSEQ once CONDSTORE is on); with .SILENT and
 * CONDSTORE on, the FETCH still carries MODSEQ (RFC 7162 §3.1.3). Messages UNCHANGEDSINCE left
 * alone are reported in OK [MODIFIED set] — sequence numbers for STORE, UIDs for UID STORE.
 */
import { normaliseFlags } from '@tandem/store';
import type { StoreValue } from '@tandem/store';
import type { StoreCommand } from '../../wire/command-types.js';
import { ok, selectedState } from '../command-handler.js';
import type { CommandHandler } from '../command-handler.js';
import { enableCondstore } from '../condstore-enabling.js';
import { ImapNoError, StoreCommandError } from '../imap-errors.js';
import type { SelectedMailbox } from '../selected-mailbox.js';
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
    writeStoreResponses(session, view, value, command.silent, byUid);
    if (value.modified.length === 0) return ok(`${byUid ? 'UID ' : ''}STORE completed`);
    const numbers = byUid ? value.modified : value.modified.map((uid) => view.seqOf(uid)).filter((s) => s > 0).sort((a, b) => a - b);
    return ok('Conditional STORE failed for some messages', { code: 'MODIFIED', numbers });
  },
};

/**
 * The untagged FETCH per message (RFC 9051 §6.4.6), written as text: flags are atoms and the rest
 * numbers, so there is nothing to quote, and a STORE over a whole mailbox writes 10,000 of these.
 */
function writeStoreResponses(session: Session, view: SelectedMailbox, value: StoreValue, silent: boolean, byUid: boolean): void {
  const condstore = session.condstore;
  const withUid = byUid || session.qresync;
  const out = session.out;
  for (const updated of value.updated) {
    const seq = view.seqOf(updated.uid);
    const m = view.at(seq);
    if (!m) continue;
    if (m.modSeq === updated.modSeq) view.flagsTold(updated.uid); // our own change: no second FETCH for it
    if (silent && !condstore) continue;
    let items = silent ? '' : `FLAGS (${(m.recent ? [...updated.flags, '\\Recent'] : updated.flags).join(' ')})`;
    if (withUid) items += `${items ? ' ' : ''}UID ${updated.uid}`;
    if (condstore) items += `${items ? ' ' : ''}MODSEQ (${updated.modSeq})`;
    out.write(`* ${seq} FETCH (${items})\r\n`);
  }
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
