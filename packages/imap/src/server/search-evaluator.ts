/**
 * Evaluates SEARCH criteria (RFC 9051 §6.4.4, RFC 3501 §6.4.4, RFC 7162 §3.1.5 MODSEQ, RFC 5182
 * "$") over the messages of the selected mailbox.
 *
 * Three-valued: a first pass uses only what the index holds (flags, UIDs, sizes, dates, MODSEQ);
 * keys that need the message answer "unknown". Only messages whose result is still unknown have
 * their header (HEADER, FROM, SUBJECT, SENT*, ...) or whole file (BODY, TEXT) read, in parallel
 * (limits.imapReadsInFlightMax). So "UNSEEN TEXT x" reads only unseen messages.
 *
 * Text keys match case-insensitively against decoded text (RFC 2047 words, transfer encodings and
 * charsets of text parts decoded), as RFC 9051 §6.4.4 asks ("substring match ... case-insensitive").
 */
import { limits } from '@tandem/config';
import type { SearchKey } from '../wire/search-key.js';
import { compareDates, dateOf } from '../wire/imap-date.js';
import type { ImapDate } from '../wire/imap-date.js';
import { sequenceSetContains } from '../wire/sequence-set.js';
import { decodedHeaderValues, sentDate } from '../mime/header-fields.js';
import { decodeHeaderText } from '../mime/encoded-words.js';
import type { MessageHeader, MessageSource, ParsedMessage } from './message-source.js';
import { parallelMap } from './parallel-map.js';
import type { SelectedMessage, ViewMessage } from './selected-mailbox.js';
import { messageBodyText } from './message-body-text.js';

export type ContentNeed = 'none' | 'header' | 'whole';

export interface SearchScope {
  /** Messages in the mailbox ("*" of a sequence set). */
  readonly count: number;
  /** Highest UID ("*" of a UID set). */
  readonly lastUid: number;
  /** RFC 5182 "$". */
  readonly savedUids: ReadonlySet<number>;
}

interface Content {
  readonly header: MessageHeader | null;
  readonly parsed: ParsedMessage | null;
  /** Decoded body text, lower-cased, computed once per message. */
  bodyText?: string;
  headerText?: string;
}

const headerKeys = new Set(['BCC', 'CC', 'FROM', 'SUBJECT', 'TO', 'HEADER', 'SENTBEFORE', 'SENTON', 'SENTSINCE']);

export function contentNeed(keys: readonly SearchKey[]): ContentNeed {
  let need: ContentNeed = 'none';
  const visit = (key: SearchKey): void => {
    if (key.key === 'BODY' || key.key === 'TEXT') need = 'whole';
    else if (headerKeys.has(key.key) && need === 'none') need = 'header';
    else if (key.key === 'NOT') visit(key.operand);
    else if (key.key === 'OR') { visit(key.left); visit(key.right); }
    else if (key.key === 'AND') key.operands.forEach(visit);
  };
  keys.forEach(visit);
  return need;
}

/** True when a MODSEQ key is used (the response then carries the highest MODSEQ, RFC 7162 §3.1.5). */
export function usesModSeq(keys: readonly SearchKey[]): boolean {
  const visit = (key: SearchKey): boolean => {
    if (key.key === 'MODSEQ') return true;
    if (key.key === 'NOT') return visit(key.operand);
    if (key.key === 'OR') return visit(key.left) || visit(key.right);
    if (key.key === 'AND') return key.operands.some(visit);
    return false;
  };
  return keys.some(visit);
}

/** The messages (in the given order) that match every key. */
export async function searchMessages(
  targets: readonly SelectedMessage[], keys: readonly SearchKey[], scope: SearchScope,
  source: MessageSource, pathOf: (m: ViewMessage) => string | undefined,
): Promise<SelectedMessage[]> {
  const root: SearchKey = keys.length === 1 ? keys[0]! : { key: 'AND', operands: keys };
  const need = contentNeed(keys);
  const verdicts = targets.map((t) => evaluate(root, t, null, scope));
  const unknown = targets.filter((_, i) => verdicts[i] === null);
  if (unknown.length > 0) {
    const decided = await parallelMap(unknown, limits.imapReadsInFlightMax, async (t) => {
      const path = pathOf(t.message);
      const content = path === undefined ? { header: null, parsed: null } : await load(source, path, need);
      return evaluate(root, t, content, scope) === true;
    });
    const byUid = new Map(unknown.map((t, i) => [t.message.uid, decided[i]!]));
    return targets.filter((t, i) => verdicts[i] === true || byUid.get(t.message.uid) === true);
  }
  return targets.filter((_, i) => verdicts[i] === true);
}

async function load(source: MessageSource, path: string, need: ContentNeed): Promise<Content> {
  if (need === 'whole') {
    const parsed = await source.parsed(path);
    if (!parsed) return { header: null, parsed: null };
    return { header: { buf: parsed.buf, header: parsed.root.header }, parsed };
  }
  return { header: await source.header(path), parsed: null };
}

/** true / false, or null when the key needs content that is not loaded. */
function evaluate(key: SearchKey, t: SelectedMessage, content: Content | null, scope: SearchScope): boolean | null {
  const m = t.message;
  switch (key.key) {
    case 'ALL': return true;
    case 'ANSWERED': return m.flags.includes('\\Answered');
    case 'DELETED': return m.flags.includes('\\Deleted');
    case 'DRAFT': return m.flags.includes('\\Draft');
    case 'FLAGGED': return m.flags.includes('\\Flagged');
    case 'SEEN': return m.flags.includes('\\Seen');
    case 'UNANSWERED': return !m.flags.includes('\\Answered');
    case 'UNDELETED': return !m.flags.includes('\\Deleted');
    case 'UNDRAFT': return !m.flags.includes('\\Draft');
    case 'UNFLAGGED': return !m.flags.includes('\\Flagged');
    case 'UNSEEN': return !m.flags.includes('\\Seen');
    case 'RECENT': return m.recent;
    case 'NEW': return m.recent && !m.flags.includes('\\Seen');
    case 'OLD': return !m.recent;
    case 'KEYWORD': return hasKeyword(m.flags, key.flag);
    case 'UNKEYWORD': return !hasKeyword(m.flags, key.flag);
    case 'LARGER': return m.sizeBytes > key.size;
    case 'SMALLER': return m.sizeBytes < key.size;
    // RFC 9051 §6.4.4: internal date, disregarding time and time zone.
    case 'BEFORE': return compareDates(dateOf(m.internalDateMs), key.date) < 0;
    case 'ON': return compareDates(dateOf(m.internalDateMs), key.date) === 0;
    case 'SINCE': return compareDates(dateOf(m.internalDateMs), key.date) >= 0;
    case 'SEQUENCE':
      return key.set.kind === 'saved' ? scope.savedUids.has(m.uid) : sequenceSetContains(key.set.ranges, t.seq, scope.count);
    case 'UID':
      return key.set.kind === 'saved' ? scope.savedUids.has(m.uid) : sequenceSetContains(key.set.ranges, m.uid, scope.lastUid);
    case 'MODSEQ': return m.modSeq >= key.modSeq;
    case 'NOT': {
      const v = evaluate(key.operand, t, content, scope);
      return v === null ? null : !v;
    }
    case 'OR': {
      const a = evaluate(key.left, t, content, scope);
      if (a === true) return true;
      const b = evaluate(key.right, t, content, scope);
      if (b === true) return true;
      return a === null || b === null ? null : false;
    }
    case 'AND': {
      let unknown = false;
      for (const operand of key.operands) {
        const v = evaluate(operand, t, content, scope);
        if (v === false) return false;
        if (v === null) unknown = true;
      }
      return unknown ? null : true;
    }
    default:
      return content === null ? null : evaluateContent(key, t, content);
  }
}

function evaluateContent(key: SearchKey, t: SelectedMessage, content: Content): boolean {
  const h = content.header;
  switch (key.key) {
    case 'SENTBEFORE': case 'SENTON': case 'SENTSINCE': {
      const cmp = compareDates(sentDay(h, t.message.internalDateMs), key.date);
      return key.key === 'SENTBEFORE' ? cmp < 0 : key.key === 'SENTON' ? cmp === 0 : cmp >= 0;
    }
    case 'HEADER':
      return h !== null && fieldContains(h, key.field.toLowerCase(), key.value);
    case 'FROM': case 'TO': case 'CC': case 'BCC': case 'SUBJECT':
      return h !== null && fieldContains(h, key.key.toLowerCase(), key.value);
    case 'BODY':
      return bodyText(content).includes(key.value.toLowerCase());
    case 'TEXT': {
      const needle = key.value.toLowerCase();
      return headerText(content).includes(needle) || bodyText(content).includes(needle);
    }
    default:
      return false;
  }
}

/** RFC 9051 §6.4.4: SENT* use the Date header (its own zone's date); without one, the internal date. */
function sentDay(h: MessageHeader | null, internalDateMs: number): ImapDate {
  const sent = h ? sentDate(h.buf, h.header) : null;
  return sent ? { year: sent.year, month: sent.month, day: sent.day } : dateOf(internalDateMs);
}

/** An empty string matches every message that has the field (RFC 9051 §6.4.4 HEADER). */
function fieldContains(h: MessageHeader, lowerName: string, value: string): boolean {
  const needle = value.toLowerCase();
  return decodedHeaderValues(h.buf, h.header, lowerName).some((v) => v.toLowerCase().includes(needle));
}

function hasKeyword(flags: readonly string[], keyword: string): boolean {
  const lower = keyword.toLowerCase();
  return flags.some((f) => f.toLowerCase() === lower);
}

function headerText(content: Content): string {
  if (content.headerText === undefined) {
    const h = content.header;
    content.headerText = h ? decodeHeaderText(h.buf.toString('latin1', h.header.start, h.header.end)).toLowerCase() : '';
  }
  return content.headerText;
}

function bodyText(content: Content): string {
  if (content.bodyText === undefined) content.bodyText = content.parsed ? messageBodyText(content.parsed).toLowerCase() : '';
  return content.bodyText;
}
