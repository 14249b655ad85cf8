/**
 * The typed form of every client command in scope (RFC 3501, RFC 9051 and the extensions of
 * issue 4). `name` discriminates; UID variants keep the command's name and carry UIDs in their
 * sequence set's kind (or in `numbering` for SEARCH, SORT and THREAD).
 *
 * Mailbox names are as the client sent them (modified UTF-7, or UTF-8 after ENABLE UTF8=ACCEPT);
 * only INBOX is normalised (RFC 9051 §5.1). mailbox-name-codec.ts turns them into store names.
 */
import type { FetchItem } from './fetch-item.js';
import type { ImapDateTime } from './imap-date.js';
import type { SearchKey, SearchReturnOption, SortCriterion, ThreadAlgorithm } from './search-key.js';
import type { NumberKind, SequenceSet } from './sequence-set.js';

interface CommandBase {
  readonly tag: string;
}

export type NoArgumentCommandName =
  | 'CAPABILITY' | 'NOOP' | 'LOGOUT' | 'STARTTLS' | 'CHECK' | 'CLOSE' | 'UNSELECT' | 'NAMESPACE' | 'IDLE';

/** Commands without arguments. IDLE (RFC 2177) ends with a "DONE" line the session reads itself. */
export interface NoArgumentCommand extends CommandBase {
  readonly name: NoArgumentCommandName;
}

/** RFC 9051 §6.2.2, RFC 4959 SASL-IR: `initialResponse` is base64 text, "=" for an empty one. */
export interface AuthenticateCommand extends CommandBase {
  readonly name: 'AUTHENTICATE';
  /** Upper case, e.g. "PLAIN". */
  readonly mechanism: string;
  readonly initialResponse: string | null;
}

export interface LoginCommand extends CommandBase {
  readonly name: 'LOGIN';
  readonly username: string;
  readonly password: string;
}

/** RFC 5161. Capability names in upper case. */
export interface EnableCommand extends CommandBase {
  readonly name: 'ENABLE';
  readonly capabilities: readonly string[];
}

/** RFC 2971: field/value pairs, or null for "ID NIL". */
export interface IdCommand extends CommandBase {
  readonly name: 'ID';
  readonly parameters: ReadonlyArray<readonly [string, string | null]> | null;
}

/** RFC 7162 §3.2.5 QRESYNC select parameter. */
export interface QresyncParameters {
  readonly uidValidity: number;
  readonly modSeq: number;
  readonly knownUids: SequenceSet | null;
  /** Known sequence numbers and their UIDs, to find expunges cheaply. */
  readonly seqMatch: { readonly seqs: SequenceSet; readonly uids: SequenceSet } | null;
}

export interface SelectCommand extends CommandBase {
  readonly name: 'SELECT' | 'EXAMINE';
  readonly mailbox: string;
  /** RFC 7162 §3.1.8 (CONDSTORE) select parameter. */
  readonly condstore: boolean;
  readonly qresync: QresyncParameters | null;
}

/** RFC 9051 §6.3.4, with RFC 6154 §3 "(USE (\Drafts ...))". */
export interface CreateCommand extends CommandBase {
  readonly name: 'CREATE';
  readonly mailbox: string;
  readonly specialUse: readonly string[];
}

export interface MailboxCommand extends CommandBase {
  readonly name: 'DELETE' | 'SUBSCRIBE' | 'UNSUBSCRIBE';
  readonly mailbox: string;
}

export interface RenameCommand extends CommandBase {
  readonly name: 'RENAME';
  readonly mailbox: string;
  readonly newMailbox: string;
}

export type StatusItem =
  | 'MESSAGES' | 'RECENT' | 'UIDNEXT' | 'UIDVALIDITY' | 'UNSEEN' | 'HIGHESTMODSEQ' | 'SIZE' | 'DELETED' | 'APPENDLIMIT';

/** RFC 5258 §3.1 selection options. */
export interface ListSelectionOptions {
  readonly subscribed: boolean;
  readonly remote: boolean;
  readonly recursiveMatch: boolean;
  /** RFC 6154 §3. */
  readonly specialUse: boolean;
}

/** RFC 5258 §3.2 return options, RFC 5819 STATUS, RFC 6154 SPECIAL-USE. */
export interface ListReturnOptions {
  readonly subscribed: boolean;
  readonly children: boolean;
  readonly specialUse: boolean;
  readonly status: readonly StatusItem[] | null;
}

export interface ListCommand extends CommandBase {
  readonly name: 'LIST';
  readonly reference: string;
  /** One pattern, or several with LIST-EXTENDED's "(p1 p2)". */
  readonly patterns: readonly string[];
  readonly selection: ListSelectionOptions;
  readonly returnOptions: ListReturnOptions;
  /** Selection or return options were given, or several patterns (RFC 5258 §3: extended syntax). */
  readonly extended: boolean;
}

export interface LsubCommand extends CommandBase {
  readonly name: 'LSUB';
  readonly reference: string;
  readonly pattern: string;
}

export interface StatusCommand extends CommandBase {
  readonly name: 'STATUS';
  readonly mailbox: string;
  readonly items: readonly StatusItem[];
}

export interface AppendMessage {
  readonly flags: readonly string[];
  readonly internalDate: ImapDateTime | null;
  /** The message bytes, a slice of the command buffer. */
  readonly content: Buffer;
  /** Sent as literal8 (RFC 3516 §4.4): may hold NUL and unencoded binary. */
  readonly binary: boolean;
  /** Sent as "UTF8 (literal)" (RFC 6855 §4): an internationalised message. */
  readonly utf8: boolean;
}

/** RFC 9051 §6.3.12; several messages with MULTIAPPEND (RFC 3502). */
export interface AppendCommand extends CommandBase {
  readonly name: 'APPEND';
  readonly mailbox: string;
  readonly messages: readonly AppendMessage[];
}

/** EXPUNGE, or UID EXPUNGE (RFC 4315 §2.1) with `uids`. */
export interface ExpungeCommand extends CommandBase {
  readonly name: 'EXPUNGE';
  readonly uids: SequenceSet | null;
}

export interface SearchCommand extends CommandBase {
  readonly name: 'SEARCH';
  /** Numbers in the result: message sequence numbers, or UIDs for UID SEARCH. */
  readonly numbering: NumberKind;
  /** Upper case; null when none was given (US-ASCII, or UTF-8 for a UTF8=ACCEPT client). */
  readonly charset: string | null;
  readonly criteria: readonly SearchKey[];
  /** ESEARCH "RETURN (...)" (RFC 4731); null for a classic SEARCH response. */
  readonly returnOptions: readonly SearchReturnOption[] | null;
}

export interface FetchCommand extends CommandBase {
  readonly name: 'FETCH';
  readonly set: SequenceSet;
  readonly items: readonly FetchItem[];
  /** RFC 7162 §3.1.4 CHANGEDSINCE modifier. */
  readonly changedSince: number | null;
  /** RFC 7162 §3.2.6 VANISHED modifier (UID FETCH only). */
  readonly vanished: boolean;
}

export type StoreOperation = 'add' | 'remove' | 'replace';

export interface StoreCommand extends CommandBase {
  readonly name: 'STORE';
  readonly set: SequenceSet;
  readonly operation: StoreOperation;
  /** ".SILENT": no untagged FETCH for the changed flags (RFC 9051 §6.4.6). */
  readonly silent: boolean;
  readonly flags: readonly string[];
  /** RFC 7162 §3.1.3 UNCHANGEDSINCE modifier. */
  readonly unchangedSince: number | null;
}

export interface CopyCommand extends CommandBase {
  /** COPY (RFC 9051 §6.4.7) or MOVE (RFC 6851). */
  readonly name: 'COPY' | 'MOVE';
  readonly set: SequenceSet;
  readonly mailbox: string;
}

/** RFC 9208 §4.2. */
export interface GetQuotaCommand extends CommandBase {
  readonly name: 'GETQUOTA';
  readonly root: string;
}

export interface GetQuotaRootCommand extends CommandBase {
  readonly name: 'GETQUOTAROOT';
  readonly mailbox: string;
}

export interface QuotaLimit {
  /** Upper case resource name, e.g. "STORAGE" (KiB) or "MESSAGE". */
  readonly resource: string;
  readonly limit: number;
}

export interface SetQuotaCommand extends CommandBase {
  readonly name: 'SETQUOTA';
  readonly root: string;
  readonly limits: readonly QuotaLimit[];
}

/** RFC 5256 §3 SORT. */
export interface SortCommand extends CommandBase {
  readonly name: 'SORT';
  readonly numbering: NumberKind;
  readonly criteria: readonly SortCriterion[];
  readonly charset: string;
  readonly search: readonly SearchKey[];
}

/** RFC 5256 §3 THREAD. */
export interface ThreadCommand extends CommandBase {
  readonly name: 'THREAD';
  readonly numbering: NumberKind;
  readonly algorithm: ThreadAlgorithm;
  readonly charset: string;
  readonly search: readonly SearchKey[];
}

export type ImapCommand =
  | NoArgumentCommand
  | AuthenticateCommand
  | LoginCommand
  | EnableCommand
  | IdCommand
  | SelectCommand
  | CreateCommand
  | MailboxCommand
  | RenameCommand
  | ListCommand
  | LsubCommand
  | StatusCommand
  | AppendCommand
  | ExpungeCommand
  | SearchCommand
  | FetchCommand
  | StoreCommand
  | CopyCommand
  | GetQuotaCommand
  | GetQuotaRootCommand
  | SetQuotaCommand
  | SortCommand
  | ThreadCommand;

export type ImapCommandName = ImapCommand['name'];
