/**
 * RFC 7162 §3.1: the first "CONDSTORE-enabling command" (ENABLE CONDSTORE/QRESYNC, SELECT
 * (CONDSTORE), FETCH MODSEQ or CHANGEDSINCE, STORE UNCHANGEDSINCE, SEARCH MODSEQ) turns CONDSTORE
 * on for the rest of the session. If a mailbox is selected then, the server tells its
 * HIGHESTMODSEQ right away (§3.1.2.1), since the client could not get it at SELECT.
 */
import { writeUntaggedStatus } from '../wire/response-encoder.js';
import type { Session } from './session.js';

/** Returns true when this call turned CONDSTORE on. */
export function enableCondstore(session: Session): boolean {
  if (session.enabled.has('CONDSTORE')) return false;
  session.enabled.add('CONDSTORE');
  const view = session.selected;
  if (view) {
    const mailbox = session.server.reader.getMailbox(view.user, view.name);
    if (mailbox) writeUntaggedStatus(session.out, 'OK', 'Highest', { code: 'HIGHESTMODSEQ', modSeq: mailbox.highestModSeq });
  }
  return true;
}
