/**
 * Entry point of the command parser: one complete command (as CommandReader frames it, without
 * its final CRLF) in, one typed ImapCommand out, or an ImapParseError carrying the tag when it could
 * be read. Pure: no state, no I/O; which commands are allowed in which state is the session's job.
 */
import { ArgReader } from './arg-reader.js';
import type { ParseOptions } from './arg-reader.js';
import type {
  AuthenticateCommand, EnableCommand, IdCommand, ImapCommand, LoginCommand, NoArgumentCommandName,
} from './command-types.js';
import { ImapParseError, printable } from './parse-error.js';
import { parseFetch } from './parse-fetch.js';
import { parseList, parseLsub, parseStatus } from './parse-list.js';
import {
  parseAppend, parseCreate, parseGetQuota, parseGetQuotaRoot, parseMailboxOnly, parseRename, parseSelect, parseSetQuota,
} from './parse-mailbox-commands.js';
import { parseCopy, parseExpunge, parseStore } from './parse-message-commands.js';
import { parseSearch, parseSort, parseThread } from './parse-search.js';
import type { NumberKind } from './sequence-set.js';

type CommandParser = (r: ArgReader, tag: string, numbering: NumberKind) => ImapCommand;

const noArgumentCommands: readonly NoArgumentCommandName[] = [
  'CAPABILITY', 'NOOP', 'LOGOUT', 'STARTTLS', 'CHECK', 'CLOSE', 'UNSELECT', 'NAMESPACE', 'IDLE',
];

// RFC 9051 §6.4.9 (and RFC 6851, RFC 4315, RFC 5256): the commands a UID prefix applies to.
const uidCommands = new Set(['COPY', 'MOVE', 'FETCH', 'SEARCH', 'STORE', 'EXPUNGE', 'SORT', 'THREAD']);

const commandParsers: Record<string, CommandParser> = {
  AUTHENTICATE: (r, tag) => parseAuthenticate(r, tag),
  LOGIN: (r, tag) => parseLogin(r, tag),
  ENABLE: (r, tag) => parseEnable(r, tag),
  ID: (r, tag) => parseId(r, tag),
  SELECT: (r, tag) => parseSelect(r, tag, 'SELECT'),
  EXAMINE: (r, tag) => parseSelect(r, tag, 'EXAMINE'),
  CREATE: (r, tag) => parseCreate(r, tag),
  DELETE: (r, tag) => parseMailboxOnly(r, tag, 'DELETE'),
  SUBSCRIBE: (r, tag) => parseMailboxOnly(r, tag, 'SUBSCRIBE'),
  UNSUBSCRIBE: (r, tag) => parseMailboxOnly(r, tag, 'UNSUBSCRIBE'),
  RENAME: (r, tag) => parseRename(r, tag),
  LIST: (r, tag) => parseList(r, tag),
  LSUB: (r, tag) => parseLsub(r, tag),
  STATUS: (r, tag) => parseStatus(r, tag),
  APPEND: (r, tag) => parseAppend(r, tag),
  EXPUNGE: parseExpunge,
  SEARCH: parseSearch,
  FETCH: parseFetch,
  STORE: parseStore,
  COPY: (r, tag, numbering) => parseCopy(r, tag, numbering, 'COPY'),
  MOVE: (r, tag, numbering) => parseCopy(r, tag, numbering, 'MOVE'),
  GETQUOTA: (r, tag) => parseGetQuota(r, tag),
  GETQUOTAROOT: (r, tag) => parseGetQuotaRoot(r, tag),
  SETQUOTA: (r, tag) => parseSetQuota(r, tag),
  SORT: parseSort,
  THREAD: parseThread,
};
for (const name of noArgumentCommands) commandParsers[name] = (_r, tag) => ({ tag, name });

/** Parses one command. Throws ImapParseError (only) for anything that is not a valid command. */
export function parseCommand(bytes: Buffer, options: ParseOptions = {}): ImapCommand {
  const r = new ArgReader(bytes, options);
  const tag = r.tag();
  try {
    r.space('command name');
    let name = r.keyword('command name');
    let numbering: NumberKind = 'seq';
    if (name === 'UID') {
      numbering = 'uid';
      r.space('command after UID');
      name = r.keyword('command after UID');
      if (!uidCommands.has(name)) r.fail(`UID ${printable(name)} is not a command`);
    }
    const parser = Object.hasOwn(commandParsers, name) ? commandParsers[name] : undefined;
    if (!parser) throw new ImapParseError(`Unknown command: ${printable(name)}`);
    const command = parser(r, tag, numbering);
    r.end();
    return command;
  } catch (err) {
    if (err instanceof ImapParseError) throw err.withTag(tag);
    throw err;
  }
}

/** The tag of a command line, if it has a valid one (for answering a command that failed framing). */
export function readTag(line: Buffer): string | null {
  try {
    return new ArgReader(line).tag();
  } catch {
    return null;
  }
}

// RFC 4959 §7: initial-response = base64 / "="; RFC 9051 §9 base64 alphabet with padding.
const base64Re = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function parseAuthenticate(r: ArgReader, tag: string): AuthenticateCommand {
  r.space('SASL mechanism');
  const mechanism = r.keyword('SASL mechanism');
  let initialResponse: string | null = null;
  if (r.moreArguments()) {
    initialResponse = r.atom('initial response');
    if (initialResponse !== '=' && !base64Re.test(initialResponse)) r.fail('Initial response is not base64');
  }
  return { tag, name: 'AUTHENTICATE', mechanism, initialResponse };
}

function parseLogin(r: ArgReader, tag: string): LoginCommand {
  r.space('user name');
  const username = r.astring('user name');
  r.space('password');
  return { tag, name: 'LOGIN', username, password: r.astring('password') };
}

function parseEnable(r: ArgReader, tag: string): EnableCommand {
  const capabilities: string[] = [];
  r.space('capability');
  do capabilities.push(r.keyword('capability'));
  while (r.moreArguments());
  return { tag, name: 'ENABLE', capabilities };
}

/** RFC 2971 §3.3: at most 30 pairs, fields up to 30 octets, values up to 1024. */
function parseId(r: ArgReader, tag: string): IdCommand {
  r.space('ID parameters');
  if (r.peek() !== 0x28) {
    if (r.keyword('ID parameters') !== 'NIL') r.fail('Expected an ID parameter list or NIL');
    return { tag, name: 'ID', parameters: null };
  }
  const parameters: Array<readonly [string, string | null]> = [];
  r.expectByte(0x28, '"(" to start the ID parameters');
  r.enterNesting();
  while (!r.skipByte(0x29)) {
    if (parameters.length > 0) r.space('ID field');
    if (parameters.length >= 30) r.fail('Too many ID fields (at most 30)');
    const field = r.string('ID field');
    if (Buffer.byteLength(field) > 30) r.fail('ID field name longer than 30 octets');
    r.space('ID value');
    const value = r.nstring('ID value');
    if (value !== null && Buffer.byteLength(value) > 1024) r.fail('ID value longer than 1024 octets');
    parameters.push([field, value]);
    if (r.atEnd()) r.fail('Missing ")" to end the ID parameters');
  }
  r.leaveNesting();
  return { tag, name: 'ID', parameters };
}
