/**
 * SEARCH and UID SEARCH (RFC 9051 §6.4.4, RFC 3501 §6.4.4) with CHARSET (US-ASCII and UTF-8, and
 * whatever the runtime decodes; others get NO [BADCHARSET]), ESEARCH (RFC 4731: RETURN (MIN MAX
 * ALL COUNT)), SEARCHRES (RFC 5182: RETURN (SAVE) and "$") and MODSEQ (RFC 7162 §3.1.5).
 * An IMAP4rev2 client always gets ESEARCH (RFC 9051 §7.3.4).
 */
import type { SearchCommand } from '../../wire/command-types.js';
import type { SearchReturnOption } from '../../wire/search-key.js';
import { writeEsearch, writeSearch } from '../../wire/response-encoder.js';
import { ok, selectedState } from '../command-handler.js';
import type { CommandHandler } from '../command-handler.js';
import { enableCondstore } from '../condstore-enabling.js';
import { searchMessages, usesModSeq } from '../search-evaluator.js';
import type { SelectedMessage } from '../selected-mailbox.js';
import type { Session } from '../session.js';

export const searchHandler: CommandHandler<SearchCommand> = {
  states: selectedState,
  // RFC 9051 §7.5.1: no EXPUNGE while answering SEARCH; UID SEARCH may.
  expungesAllowed: (command) => command.numbering === 'uid',
  async run(session, command) {
    const save = command.returnOptions?.includes('SAVE') ?? false;
    // RFC 5182 §2.4: a failed SEARCH ... RETURN (SAVE) leaves "$" empty.
    if (save) session.savedSearch = [];
    const found = await runSearch(session, command.criteria);
    const withModSeq = usesModSeq(command.criteria);
    if (withModSeq) enableCondstore(session);
    const uid = command.numbering === 'uid';
    const numbers = found.map((t) => (uid ? t.message.uid : t.seq));
    const modSeq = withModSeq && found.length > 0 ? found.reduce((max, t) => Math.max(max, t.message.modSeq), 0) : undefined;
    const options = command.returnOptions ?? (session.rev2 ? ['ALL'] : null);
    if (save) session.savedSearch = savedResult(found, options ?? []);
    if (options === null) {
      writeSearch(session.out, numbers, modSeq);
    } else if (!(options.length === 1 && options[0] === 'SAVE')) {
      writeEsearch(session.out, esearchResult(command.tag, uid, numbers, options, modSeq));
    }
    return ok(`${uid ? 'UID ' : ''}SEARCH completed`);
  },
};

/** The matching messages of the selected mailbox, in sequence order (SORT and THREAD use it too). */
export function runSearch(session: Session, criteria: SearchCommand['criteria']): Promise<SelectedMessage[]> {
  const view = session.requireSelected();
  const { messages } = session.server;
  return searchMessages(view.selectedAll(), criteria, {
    count: view.count, lastUid: view.lastUid, savedUids: new Set(session.savedSearch ?? []),
  }, messages, (m) => view.pathOf(m));
}

function esearchResult(tag: string, uid: boolean, numbers: number[], options: readonly SearchReturnOption[], modSeq: number | undefined) {
  const has = (o: SearchReturnOption): boolean => options.includes(o);
  const sorted = numbers; // already ascending (sequence order = UID order)
  return {
    tag, uid,
    ...(has('MIN') && sorted.length > 0 ? { min: sorted[0]! } : {}),
    ...(has('MAX') && sorted.length > 0 ? { max: sorted[sorted.length - 1]! } : {}),
    ...(has('COUNT') ? { count: sorted.length } : {}),
    ...(has('ALL') && sorted.length > 0 ? { all: sorted } : {}),
    ...(modSeq !== undefined ? { modSeq } : {}),
  };
}

/** RFC 5182 §2.4: with only MIN and/or MAX beside SAVE, "$" holds just those; else every match. */
function savedResult(found: readonly SelectedMessage[], options: readonly SearchReturnOption[]): number[] {
  const uids = found.map((t) => t.message.uid);
  if (uids.length === 0 || options.includes('ALL') || options.includes('COUNT')) return uids;
  const picked: number[] = [];
  if (options.includes('MIN')) picked.push(uids[0]!);
  if (options.includes('MAX') && (picked.length === 0 || picked[0] !== uids[uids.length - 1])) picked.push(uids[uids.length - 1]!);
  return picked.length > 0 ? picked : uids;
}
