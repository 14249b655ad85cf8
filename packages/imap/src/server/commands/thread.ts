/** THREAD and UID THREAD (RFC 5256 §3: ORDEREDSUBJECT and REFERENCES). */
import { limits } from '@tandem/config';
import type { ThreadCommand } from '../../wire/command-types.js';
import { writeThread } from '../../wire/response-encoder.js';
import { baseSubject } from '../../mime/base-subject.js';
import { decodedHeaderValue, sentDate } from '../../mime/header-fields.js';
import { headerValue } from '../../mime/header-block.js';
import { ok, selectedState } from '../command-handler.js';
import type { CommandHandler } from '../command-handler.js';
import { parallelMap } from '../parallel-map.js';
import { TimeSlice } from '../time-slice.js';
import { threadOrderedSubject, threadReferences } from '../thread-messages.js';
import type { ThreadInput } from '../thread-messages.js';
import { runSearch } from './search.js';

export const threadHandler: CommandHandler<ThreadCommand> = {
  states: selectedState,
  expungesAllowed: (command) => command.numbering === 'uid',
  async run(session, command) {
    const view = session.requireSelected();
    const found = await runSearch(session, command.search);
    const { messages } = session.server;
    const uid = command.numbering === 'uid';
    const slice = new TimeSlice();
    const inputs = await parallelMap(found, limits.imapReadsInFlightMax, async (t): Promise<ThreadInput> => {
      await slice.pause(); // cached headers resolve at once: give other sessions their turn
      const path = view.pathOf(t.message);
      const h = path === undefined ? null : await messages.header(path);
      const subject = baseSubject(h ? decodedHeaderValue(h.buf, h.header, 'subject') ?? '' : '');
      const references = h ? msgIds(headerValue(h.buf, h.header, 'references') ?? '') : [];
      return {
        id: uid ? t.message.uid : t.seq,
        seq: t.seq,
        dateMs: (h ? sentDate(h.buf, h.header)?.epochMs : undefined) ?? t.message.internalDateMs,
        baseSubject: subject.baseSubject.toLowerCase(),
        isReplyOrForward: subject.isReplyOrForward,
        messageId: h ? msgIds(headerValue(h.buf, h.header, 'message-id') ?? '')[0] ?? null : null,
        // RFC 5256 §2.2 step 1: without References, the first msg-id of In-Reply-To.
        references: references.length > 0 ? references : (h ? msgIds(headerValue(h.buf, h.header, 'in-reply-to') ?? '').slice(0, 1) : []),
      };
    });
    const threads = command.algorithm === 'REFERENCES' ? threadReferences(inputs) : threadOrderedSubject(inputs);
    writeThread(session.out, threads);
    return ok(`${uid ? 'UID ' : ''}THREAD completed`);
  },
};

/** The "<...>" msg-ids of a header value, in order (RFC 5322 §3.6.4). */
function msgIds(value: string): string[] {
  return value.match(/<[^<>\s]+>/g) ?? [];
}
