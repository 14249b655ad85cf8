/**
 * Server responses (RFC 9051 §7, RFC 3501 §7 and the extensions in scope), written into a
 * ResponseWriter so a session can batch several responses into one socket write. Values inside
 * (strings, lists, NIL) go through value-encoder.ts, which picks quoted or literal form.
 */
import { atom, raw } from './imap-value.js';
import type { ImapValue } from './imap-value.js';
import { formatSequenceSet } from './sequence-set.js';
import type { ResponseWriter } from './value-encoder.js';

export type ResponseStatus = 'OK' | 'NO' | 'BAD';
export type UntaggedStatus = ResponseStatus | 'PREAUTH' | 'BYE';

/** Response codes without arguments (RFC 9051 §7.1, RFC 5530, RFC 4315, RFC 7162, RFC 3516, RFC 6154). */
export type SimpleResponseCode =
  | 'ALERT' | 'PARSE' | 'READ-ONLY' | 'READ-WRITE' | 'TRYCREATE' | 'UIDNOTSTICKY' | 'CLOSED' | 'NOMODSEQ'
  | 'UNKNOWN-CTE' | 'TOOBIG' | 'OVERQUOTA' | 'LIMIT' | 'AUTHENTICATIONFAILED' | 'AUTHORIZATIONFAILED'
  | 'EXPIRED' | 'PRIVACYREQUIRED' | 'CONTACTADMIN' | 'NOPERM' | 'INUSE' | 'EXPUNGEISSUED' | 'CORRUPTION'
  | 'SERVERBUG' | 'CLIENTBUG' | 'CANNOT' | 'UNAVAILABLE' | 'NONEXISTENT' | 'ALREADYEXISTS' | 'HASCHILDREN'
  | 'USEATTR' | 'NOTSAVED';

export type ResponseCode =
  | { readonly code: SimpleResponseCode }
  | { readonly code: 'CAPABILITY'; readonly capabilities: readonly string[] }
  | { readonly code: 'PERMANENTFLAGS'; readonly flags: readonly string[] }
  | { readonly code: 'BADCHARSET'; readonly charsets: readonly string[] }
  | { readonly code: 'UIDNEXT' | 'UIDVALIDITY' | 'UNSEEN'; readonly value: number }
  /** RFC 7162 §3.1.2.1. */
  | { readonly code: 'HIGHESTMODSEQ'; readonly modSeq: number }
  /** RFC 7162 §3.1.3: the messages STORE UNCHANGEDSINCE left alone. */
  | { readonly code: 'MODIFIED'; readonly numbers: readonly number[] }
  /** RFC 4315 §3. */
  | { readonly code: 'APPENDUID'; readonly uidValidity: number; readonly uids: readonly number[] }
  | { readonly code: 'COPYUID'; readonly uidValidity: number; readonly sourceUids: readonly number[]; readonly destinationUids: readonly number[] };

/** The text between "[" and "]". */
export function formatResponseCode(code: ResponseCode): string {
  switch (code.code) {
    case 'CAPABILITY':
      return ['CAPABILITY', ...code.capabilities].join(' ');
    case 'PERMANENTFLAGS':
      return `PERMANENTFLAGS (${code.flags.join(' ')})`;
    case 'BADCHARSET':
      return code.charsets.length === 0 ? 'BADCHARSET' : `BADCHARSET (${code.charsets.join(' ')})`;
    case 'UIDNEXT':
    case 'UIDVALIDITY':
    case 'UNSEEN':
      return `${code.code} ${code.value}`;
    case 'HIGHESTMODSEQ':
      return `HIGHESTMODSEQ ${code.modSeq}`;
    case 'MODIFIED':
      return `MODIFIED ${formatSequenceSet(code.numbers)}`;
    case 'APPENDUID':
      return `APPENDUID ${code.uidValidity} ${formatSequenceSet(code.uids)}`;
    case 'COPYUID':
      return `COPYUID ${code.uidValidity} ${formatSequenceSet(code.sourceUids)} ${formatSequenceSet(code.destinationUids)}`;
    default:
      return code.code;
  }
}

// RFC 9051 §9 text = 1*TEXT-CHAR: no CR or LF may end up in a human-readable text.
function cleanText(text: string): string {
  return /[\r\n\0]/.test(text) ? text.replace(/[\r\n\0]+/g, ' ') : text;
}

/** `code` may be a typed code or pre-formatted code text (e.g. ImapParseError.code). */
function respText(text: string, code?: ResponseCode | string | null): string {
  if (code === undefined || code === null) return cleanText(text);
  const codeText = typeof code === 'string' ? code : formatResponseCode(code);
  return `[${cleanText(codeText)}] ${cleanText(text)}`;
}

/** `tag OK|NO|BAD [code] text` */
export function writeTagged(out: ResponseWriter, tag: string, status: ResponseStatus, text: string, code?: ResponseCode | string | null): ResponseWriter {
  return out.write(`${tag} ${status} ${respText(text, code)}\r\n`);
}

/** `* OK|NO|BAD|PREAUTH|BYE [code] text` */
export function writeUntaggedStatus(out: ResponseWriter, status: UntaggedStatus, text: string, code?: ResponseCode | string | null): ResponseWriter {
  return out.write(`* ${status} ${respText(text, code)}\r\n`);
}

/** `+ text` (RFC 9051 §7.5); for SASL the text is the base64 challenge, possibly empty. */
export function writeContinuation(out: ResponseWriter, text = 'Ready for literal data'): ResponseWriter {
  return out.write(`+ ${cleanText(text)}\r\n`);
}

/** `* ` followed by the values separated by spaces (atoms via atom(), strings quoted/literal). */
export function writeUntagged(out: ResponseWriter, ...values: ImapValue[]): ResponseWriter {
  out.write('*');
  for (const value of values) {
    out.write(' ');
    out.value(value);
  }
  return out.write('\r\n');
}

export function flagsValue(flags: readonly string[]): ImapValue[] {
  return flags.map(atom);
}

export function writeCapability(out: ResponseWriter, capabilities: readonly string[]): ResponseWriter {
  return out.write(`* ${['CAPABILITY', ...capabilities].join(' ')}\r\n`);
}

export function writeExists(out: ResponseWriter, count: number): ResponseWriter {
  return out.write(`* ${count} EXISTS\r\n`);
}

export function writeRecent(out: ResponseWriter, count: number): ResponseWriter {
  return out.write(`* ${count} RECENT\r\n`);
}

export function writeExpunge(out: ResponseWriter, seq: number): ResponseWriter {
  return out.write(`* ${seq} EXPUNGE\r\n`);
}

/** RFC 7162 §3.2.10: `* VANISHED [(EARLIER)] uid-set`. */
export function writeVanished(out: ResponseWriter, uids: readonly number[], earlier: boolean): ResponseWriter {
  return out.write(`* VANISHED ${earlier ? '(EARLIER) ' : ''}${formatSequenceSet(uids)}\r\n`);
}

export function writeFlags(out: ResponseWriter, flags: readonly string[]): ResponseWriter {
  return out.write(`* FLAGS (${flags.join(' ')})\r\n`);
}

/** `* n FETCH (name value ...)`; names come from fetchItemResponseName() or are plain item names. */
export function writeFetch(out: ResponseWriter, seq: number, items: ReadonlyArray<readonly [string, ImapValue]>): ResponseWriter {
  out.write(`* ${seq} FETCH (`);
  items.forEach(([name, value], i) => {
    if (i > 0) out.write(' ');
    out.write(`${name} `);
    out.value(value);
  });
  return out.write(')\r\n');
}

export interface ListEntry {
  readonly attributes: readonly string[];
  /** Hierarchy delimiter, or null for a flat namespace. */
  readonly delimiter: string | null;
  /** The name as the client must see it (modified UTF-7 or UTF-8). */
  readonly mailbox: string;
  /** RFC 5258 §9 mbox-list-extended items, e.g. ["CHILDINFO", ["SUBSCRIBED"]] pairs as values. */
  readonly extended?: readonly ImapValue[];
}

/** `* LIST (attributes) "/" "name" [(extended)]` (or LSUB). */
export function writeList(out: ResponseWriter, entry: ListEntry, name: 'LIST' | 'LSUB' = 'LIST'): ResponseWriter {
  out.write(`* ${name} (${entry.attributes.join(' ')}) `);
  out.value(entry.delimiter);
  out.write(' ');
  out.value(entry.mailbox);
  if (entry.extended && entry.extended.length > 0) {
    out.write(' ');
    out.value(entry.extended);
  }
  return out.write('\r\n');
}

/** `* STATUS "name" (MESSAGES 3 UIDNEXT 7)` */
export function writeStatus(out: ResponseWriter, mailbox: string, items: ReadonlyArray<readonly [string, number]>): ResponseWriter {
  out.write('* STATUS ');
  out.value(mailbox);
  return out.write(` (${items.map(([k, v]) => `${k} ${v}`).join(' ')})\r\n`);
}

/** `* SEARCH 1 2 3 [(MODSEQ n)]` (RFC 7162 §3.1.5 adds the MODSEQ). */
export function writeSearch(out: ResponseWriter, numbers: readonly number[], modSeq?: number): ResponseWriter {
  let line = '* SEARCH';
  for (const n of numbers) line += ` ${n}`;
  if (modSeq !== undefined && numbers.length > 0) line += ` (MODSEQ ${modSeq})`;
  return out.write(`${line}\r\n`);
}

export interface EsearchResult {
  readonly tag: string;
  readonly uid: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly count?: number;
  readonly all?: readonly number[];
  readonly modSeq?: number;
}

/** RFC 4731 §3.1: `* ESEARCH (TAG "a1") [UID] MIN 1 MAX 9 COUNT 4 ALL 1:3,9 [MODSEQ n]`. */
export function writeEsearch(out: ResponseWriter, result: EsearchResult): ResponseWriter {
  out.write('* ESEARCH (TAG ');
  out.value(result.tag);
  let line = ')';
  if (result.uid) line += ' UID';
  if (result.min !== undefined) line += ` MIN ${result.min}`;
  if (result.max !== undefined) line += ` MAX ${result.max}`;
  if (result.count !== undefined) line += ` COUNT ${result.count}`;
  if (result.all !== undefined && result.all.length > 0) line += ` ALL ${formatSequenceSet(result.all)}`;
  if (result.modSeq !== undefined) line += ` MODSEQ ${result.modSeq}`;
  return out.write(`${line}\r\n`);
}

/** RFC 5256 §4: `* SORT 3 1 2`. */
export function writeSort(out: ResponseWriter, numbers: readonly number[], modSeq?: number): ResponseWriter {
  let line = '* SORT';
  for (const n of numbers) line += ` ${n}`;
  if (modSeq !== undefined && numbers.length > 0) line += ` (MODSEQ ${modSeq})`;
  return out.write(`${line}\r\n`);
}

/** A thread tree; `id` null is a dummy parent (a missing message that others refer to). */
export interface ThreadNode {
  readonly id: number | null;
  readonly children: readonly ThreadNode[];
}

/** RFC 5256 §4 thread-list: members in a chain, then two or more nested lists. */
export function formatThread(node: ThreadNode): string {
  const parts: string[] = [];
  let current: ThreadNode = node;
  for (;;) {
    if (current.id !== null) parts.push(String(current.id));
    if (current.children.length === 1) {
      current = current.children[0]!;
      continue;
    }
    if (current.children.length > 1) parts.push(current.children.map(formatThread).join(''));
    break;
  }
  return `(${parts.join(' ')})`;
}

export function writeThread(out: ResponseWriter, threads: readonly ThreadNode[]): ResponseWriter {
  return out.write(`* THREAD${threads.length > 0 ? ' ' : ''}${threads.map(formatThread).join('')}\r\n`);
}

/** RFC 5161 §3.2. */
export function writeEnabled(out: ResponseWriter, capabilities: readonly string[]): ResponseWriter {
  return out.write(`* ${['ENABLED', ...capabilities].join(' ')}\r\n`);
}

/** RFC 2971 §3.2: `* ID ("name" "tandem" ...)` or `* ID NIL`. */
export function writeId(out: ResponseWriter, parameters: ReadonlyArray<readonly [string, string | null]> | null): ResponseWriter {
  return writeUntagged(out, atom('ID'), parameters === null ? null : parameters.flatMap(([k, v]) => [k, v]));
}

export interface Namespace {
  readonly prefix: string;
  readonly delimiter: string | null;
}

/** RFC 2342 / RFC 9051 §7.3.1: personal, other users', shared namespaces (NIL when none). */
export function writeNamespace(out: ResponseWriter, personal: readonly Namespace[], other: readonly Namespace[], shared: readonly Namespace[]): ResponseWriter {
  const list = (spaces: readonly Namespace[]): ImapValue => (spaces.length === 0 ? null : spaces.map((n) => [n.prefix, n.delimiter]));
  return writeUntagged(out, atom('NAMESPACE'), list(personal), list(other), list(shared));
}

export interface QuotaResource {
  /** e.g. "STORAGE" (in KiB, RFC 9208 §5.1) or "MESSAGE". */
  readonly name: string;
  readonly usage: number;
  readonly limit: number;
}

/** RFC 9208 §5.1: `* QUOTA "root" (STORAGE 10 512)`. */
export function writeQuota(out: ResponseWriter, root: string, resources: readonly QuotaResource[]): ResponseWriter {
  out.write('* QUOTA ');
  out.value(root);
  return out.write(` (${resources.map((r) => `${r.name} ${r.usage} ${r.limit}`).join(' ')})\r\n`);
}

/** RFC 9208 §5.2: `* QUOTAROOT "mailbox" "root" ...`. */
export function writeQuotaRoot(out: ResponseWriter, mailbox: string, roots: readonly string[]): ResponseWriter {
  return writeUntagged(out, raw('QUOTAROOT'), mailbox, ...roots);
}
