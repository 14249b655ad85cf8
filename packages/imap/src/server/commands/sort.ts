/** SORT and UID SORT (RFC 5256 §3, RFC 5957 SORT=DISPLAY). */
import type { SortCommand } from '../../wire/command-types.js';
import { writeSort } from '../../wire/response-encoder.js';
import { ok, selectedState } from '../command-handler.js';
import type { CommandHandler } from '../command-handler.js';
import { enableCondstore } from '../condstore-enabling.js';
import { usesModSeq } from '../search-evaluator.js';
import { sortMessages } from '../sort-messages.js';
import { runSearch } from './search.js';

export const sortHandler: CommandHandler<SortCommand> = {
  states: selectedState,
  expungesAllowed: (command) => command.numbering === 'uid',
  async run(session, command) {
    const view = session.requireSelected();
    const found = await runSearch(session, command.search);
    const { messages } = session.server;
    const sorted = await sortMessages(found, command.criteria, messages, (m) => view.pathOf(m));
    const uid = command.numbering === 'uid';
    let modSeq: number | undefined;
    if (usesModSeq(command.search)) {
      enableCondstore(session);
      // RFC 7162 §3.1.5 (applied to SORT by §3.1.5's note on SORT): the highest MODSEQ of the result.
      if (sorted.length > 0) modSeq = sorted.reduce((max, t) => Math.max(max, t.message.modSeq), 0);
    }
    writeSort(session.out, sorted.map((t) => (uid ? t.message.uid : t.seq)), modSeq);
    return ok(`${uid ? 'UID ' : ''}SORT completed`);
  },
};
