// Goal: every error kind maps to the one reply the taxonomy says (BAD / NO [code] / BYE), and only unexpected errors are flagged for logging.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  InvalidFlagError, InvalidMailboxNameError, LogClosedError, NotLeaderError, OutcomeUnknownError, ProposalQueueFullError,
} from '@tandem/store';
import { ImapParseError } from '../wire/parse-error.js';
import { formatResponseCode } from '../wire/response-encoder.js';
import type { ResponseCode } from '../wire/response-encoder.js';
import { UnknownTransferEncodingError } from '../mime/transfer-decoding.js';
import { ImapBadError, ImapNoError, SessionEndError, StoreCommandError } from './imap-errors.js';
import { replyForError } from './response-for-error.js';

function summary(err: unknown): string {
  const reply = replyForError(err);
  const code = (c: ResponseCode | string | null): string => (c === null ? '' : ` [${typeof c === 'string' ? c : formatResponseCode(c)}]`);
  const head = reply.kind === 'bye' ? `BYE${code(reply.code)}` : `${reply.status}${code(reply.code)}`;
  return `${head}${reply.unexpected ? ' (logged)' : ''}`;
}

test('the error taxonomy, mapped once', () => {
  const table: Array<[unknown, string]> = [
    [new ImapParseError('Missing tag'), 'BAD'],
    [new ImapParseError('Unsupported charset', 'a1', 'BADCHARSET (US-ASCII UTF-8)', 'NO'), 'NO [BADCHARSET (US-ASCII UTF-8)]'],
    [new ImapParseError('Literal size too large', null, 'TOOBIG', 'BAD', true), 'BYE'],
    [new ImapBadError('No mailbox selected'), 'BAD'],
    [new ImapNoError('Mailbox does not exist', { code: 'TRYCREATE' }), 'NO [TRYCREATE]'],
    [new StoreCommandError('NOTFOUND', 'no mailbox X'), 'NO [NONEXISTENT]'],
    [new StoreCommandError('EXISTS', 'mailbox X already exists'), 'NO [ALREADYEXISTS]'],
    [new StoreCommandError('NOQUOTA', 'over quota'), 'NO [OVERQUOTA]'],
    [new StoreCommandError('NOPERM', 'INBOX cannot be deleted'), 'NO [NOPERM]'],
    [new StoreCommandError('INVALID', 'bad argument'), 'NO [CANNOT]'],
    [new InvalidMailboxNameError('a/../b', '".." is not a name'), 'NO [CANNOT]'],
    [new InvalidFlagError('\\Bogus', 'not a system flag'), 'NO [CANNOT]'],
    [new UnknownTransferEncodingError('x-uuencode'), 'NO [UNKNOWN-CTE]'],
    [new NotLeaderError('10.0.0.2'), 'NO [UNAVAILABLE]'],
    [new ProposalQueueFullError(10), 'NO [UNAVAILABLE]'],
    [new LogClosedError(), 'NO [UNAVAILABLE]'],
    [new OutcomeUnknownError('leadership lost'), 'BYE [UNAVAILABLE] (logged)'],
    [new SessionEndError('Too many failed logins'), 'BYE'],
    [new TypeError('x is undefined'), 'NO [SERVERBUG] (logged)'],
  ];
  for (const [err, expected] of table) assert.equal(summary(err), expected, String(err));
});
