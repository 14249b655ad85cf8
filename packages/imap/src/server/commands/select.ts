/**
 * SELECT and EXAMINE (RFC 9051 §6.3.2, §6.3.3; RFC 3501 §6.3.1), with CONDSTORE (RFC 7162 §3.1.8)
 * and QRESYNC (RFC 7162 §3.2.5). A mailbox selected before is closed first, without expunging,
 * and the client is told with OK [CLOSED] (RFC 9051 §6.3.2, RFC 7162 §3.2.11); if the new
 * selection fails the session stays in the authenticated state.
 */
import { hierarchyDelimiter } from '@tandem/store';
import type { MailboxRecord } from '@tandem/store';
import type { SelectCommand } from '../../wire/command-types.js';
import {
  writeExists, writeFlags, writeList, writeRecent, writeUntaggedStatus,
} from '../../wire/response-encoder.js';
import { authenticatedStates } from '../command-handler.js';
import type { CommandHandler, CommandResult } from '../command-handler.js';
import { enableCondstore } from '../condstore-enabling.js';
import { ImapBadError, ImapNoError } from '../imap-errors.js';
import { SelectedMailbox } from '../selected-mailbox.js';
import type { Session } from '../session.js';
import { qresyncOnSelect } from '../qresync-on-select.js';
import { listMailboxes } from '../mailbox-list.js';
import { subscribedNames } from '../subscribed-names.js';

const noSelection = { subscribed: false, remote: false, recursiveMatch: false, specialUse: false };
const noReturn = { subscribed: false, children: true, specialUse: true, status: null };

const systemFlags = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'];

export const selectHandler: CommandHandler<SelectCommand> = {
  states: authenticatedStates,
  expungesAllowed: () => false,
  async run(session, command) {
    // RFC 7162 §3.2.5: QRESYNC parameters only after ENABLE QRESYNC.
    if (command.qresync && !session.qresync) throw new ImapBadError('Use ENABLE QRESYNC first');
    if (session.selected) {
      session.deselect();
      writeUntaggedStatus(session.out, 'OK', 'Previous mailbox is now closed', { code: 'CLOSED' });
    }
    const user = session.requireUser();
    const name = session.mailboxName(command.mailbox);
    const mailbox = session.server.reader.getMailbox(user, name);
    if (!mailbox) throw new ImapNoError(`Mailbox does not exist`, { code: 'NONEXISTENT' });
    if (command.condstore) enableCondstore(session);
    const readOnly = command.name === 'EXAMINE';
    const view = openView(session, mailbox, readOnly);
    session.select(view);
    writeSelectResponses(session, view, mailbox);
    if (command.qresync) qresyncOnSelect(session, view, mailbox, command.qresync);
    return selectResult(readOnly);
  },
};

/** Reads the messages and registers the view with no await in between, so no change is missed. */
function openView(session: Session, mailbox: MailboxRecord, readOnly: boolean): SelectedMailbox {
  const { reader, recent } = session.server;
  const user = session.requireUser();
  if (!readOnly && !session.rev2) recent.open(user, mailbox.name, mailbox.uidNext);
  // RFC 3501 §2.3.2: an EXAMINEd mailbox does not take \Recent away from other sessions.
  const claim = readOnly || session.rev2
    ? () => new Set<number>()
    : (uids: readonly number[]) => recent.claim(user, mailbox.name, uids);
  return new SelectedMailbox(reader, user, mailbox.name, readOnly, mailbox.uidValidity, reader.listMessages(user, mailbox.name), claim);
}

function writeSelectResponses(session: Session, view: SelectedMailbox, mailbox: MailboxRecord): void {
  const out = session.out;
  const keywords = new Set<string>();
  let firstUnseen = 0;
  view.all().forEach((m, i) => {
    for (const flag of m.flags) if (!flag.startsWith('\\')) keywords.add(flag);
    if (firstUnseen === 0 && !m.flags.includes('\\Seen')) firstUnseen = i + 1;
  });
  const flags = [...systemFlags, ...keywords];
  writeFlags(out, flags);
  // RFC 9051 §7.1: "\*" — clients may create new keywords; none are permanent in a read-only mailbox.
  writeUntaggedStatus(out, 'OK', view.readOnly ? 'No permanent flags permitted' : 'Flags permitted',
    { code: 'PERMANENTFLAGS', flags: view.readOnly ? [] : [...flags, '\\*'] });
  writeExists(out, view.count);
  if (!session.rev2) {
    writeRecent(out, view.recentCount);
    // RFC 3501 §6.3.1: the first unseen message (IMAP4rev2 dropped it).
    if (firstUnseen > 0) writeUntaggedStatus(out, 'OK', `Message ${firstUnseen} is first unseen`, { code: 'UNSEEN', value: firstUnseen });
  }
  writeUntaggedStatus(out, 'OK', 'UIDs valid', { code: 'UIDVALIDITY', value: mailbox.uidValidity });
  writeUntaggedStatus(out, 'OK', 'Predicted next UID', { code: 'UIDNEXT', value: mailbox.uidNext });
  // RFC 7162 §3.1.2.1: every successful SELECT/EXAMINE reports HIGHESTMODSEQ.
  writeUntaggedStatus(out, 'OK', 'Highest', { code: 'HIGHESTMODSEQ', modSeq: mailbox.highestModSeq });
  // RFC 9051 §6.3.2: an IMAP4rev2 server returns a LIST response for the selected mailbox.
  if (session.rev2) {
    const user = session.requireUser();
    const records = session.server.reader.listMailboxes(user);
    const [entry] = listMailboxes(records, subscribedNames(session.server.reader, user, records), {
      matchers: [(name) => name === mailbox.name], selection: noSelection, returnOptions: noReturn, nonExistentAttribute: true,
    });
    writeList(out, { attributes: entry?.attributes ?? [], delimiter: hierarchyDelimiter, mailbox: session.wireName(mailbox.name) });
  }
}

function selectResult(readOnly: boolean): CommandResult {
  return readOnly
    ? { text: 'EXAMINE completed', code: { code: 'READ-ONLY' } }
    : { text: 'SELECT completed', code: { code: 'READ-WRITE' } };
}
