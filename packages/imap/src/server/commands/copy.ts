/**
 * COPY, MOVE and their UID forms (RFC 9051 §6.4.7, §6.4.8; RFC 6851 MOVE) with UIDPLUS COPYUID
 * (RFC 4315 §3). One message.copy (move: true expunges the sources in the same transaction).
 * COPY answers OK [COPYUID ...]; MOVE sends it untagged first, then the EXPUNGEs (or VANISHED) of
 * the moved messages, as RFC 6851 §4.3 shows. A missing target gets NO [TRYCREATE].
 */
import type { CopyValue } from '@tandem/store';
import type { CopyCommand } from '../../wire/command-types.js';
import { writeUntaggedStatus } from '../../wire/response-encoder.js';
import type { ResponseCode } from '../../wire/response-encoder.js';
import { ok, selectedState } from '../command-handler.js';
import type { CommandHandler } from '../command-handler.js';
import { ImapNoError } from '../imap-errors.js';

export const copyHandler: CommandHandler<CopyCommand> = {
  states: selectedState,
  async run(session, command) {
    const view = session.requireSelected();
    const move = command.name === 'MOVE';
    const byUid = command.set.kind === 'uid' || (command.set.kind === 'saved' && command.set.numbering === 'uid');
    const label = `${byUid ? 'UID ' : ''}${command.name}`;
    if (move && view.readOnly) throw new ImapNoError('Mailbox is read-only', { code: 'READ-ONLY' });
    const target = session.mailboxName(command.mailbox);
    const targetRecord = session.server.reader.getMailbox(view.user, target);
    if (!targetRecord) throw new ImapNoError('Target mailbox does not exist', { code: 'TRYCREATE' });
    const targets = view.resolve(command.set, session.savedSearch).filter((t) => !t.message.expunged);
    if (targets.length === 0) return ok(`${label} completed`);
    const value = await session.propose<CopyValue>({
      type: 'message.copy', user: view.user, mailbox: view.name, uids: targets.map((t) => t.message.uid), target, move,
    });
    const code: ResponseCode | null = value.sourceUids.length === 0 ? null
      : { code: 'COPYUID', uidValidity: value.uidValidity, sourceUids: value.sourceUids, destinationUids: value.targetUids };
    if (!move) return ok(`${label} completed`, code);
    if (code) writeUntaggedStatus(session.out, 'OK', 'Moved', code);
    // RFC 6851 §3.3: the moved messages' EXPUNGEs are part of MOVE's response (the session sends
    // every pending one before the tagged OK; this command allows them).
    return ok(`${label} completed`);
  },
};
