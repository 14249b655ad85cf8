/**
 * Evaluates SEARCH criteria (RFC 9051 §6.4.4, RFC 3501 §6.4.4, RFC 7162 §3.1.5 MODSEQ, RFC 5182
 * "$") over the messages of the selected mailbox.
 *
 * Three-valued: a first pass uses only what the index holds (flags, UIDs, sizes, dates, MODSEQ);
 * keys that need the message answer "unknown". Header keys (HEADER, FROM, SUBJECT, SENT*, ...) are
 * then decided at once for messages whose header the MessageCache holds, matching the decoded
 * values it keeps; only the rest have their header or whole file (BODY, TEXT) read, in parallel
 * (limits.imapReadsInFlightMax). So "UNSEEN TEXT x" reads only unseen messages. The work gives way
 * to other sessions between time slices (time-slice.ts).
 *
 * Text keys match case-insensitively against decoded text (RFC 2047 words, transfer encodings and
 * charsets of text parts decoded), as RFC 9051 §6.4.4 asks ("substring match ... case-insensitive").
 */
import { limits } from '@tandem/config';
import type { SearchKey } from '../wire/search-key.js';
import { compareDates, dateOf } from '../wire/imap-date.js';
import type { ImapDate } from '../wire/imap-date.js';
import { sequenceSetContains } from '../wire/sequence-set.js';
import { sentDate } from '../mime/header-fields.js';
import type { MessageHeader, MessageSource } from './message-source.js';
import { parallelMap } from './parallel-map.js';
import type { SelectedMessage, ViewMessage } from './selected-mailbox.js';
import { SearchContent } from './search-content.js';
import { TimeSlice } from './time-slice.js';

export type ContentNeed = 'none' | 'header' | 'whole';

export interface SearchScope {
  /** Messages in the mailbox ("*" of a sequence set). */
  readonly count: number;
  /** Highest UID ("*" of a UID set). */
  readonly lastUid: number;
  /** RFC 5182 "$". */
  readonly savedUids: ReadonlySet<number>;
}

/** Messages tested between two looks at the clock in the pass that reads nothing. */
const sliceCheckEvery = 256;

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
  const slice = new TimeSlice();
  const matched = new Uint8Array(targets.length);
  const toRead: number[] = [];
  for (let i = 0; i < targets.length; i++) {
    if (i > 0 && i % sliceCheckEvery === 0) await slice.pause();
    const t = targets[i]!;
    let verdict = evaluate(root, t, null, scope);
    if (verdict === null && need !== 'whole') {
      const path = pathOf(t.message);
      const facts = path === undefined ? undefined : source.facts(path);
      if (path === undefined) verdict = evaluate(root, t, SearchContent.loaded(source, path, null, null), scope) === true;
      else if (facts?.header !== undefined) verdict = evaluate(root, t, SearchContent.cached(source, path, facts), scope) === true;
    }
    if (verdict === null) toRead.push(i);
    else if (verdict) matched[i] = 1;
  }
  await parallelMap(toRead, limits.imapReadsInFlightMax, async (i) => {
    await slice.pause();
    const t = targets[i]!;
    const path = pathOf(t.message);
    const content = path === undefined ? SearchContent.loaded(source, path, null, null) : await load(source, path, t.message.sizeBytes, need);
    if (evaluate(root, t, content, scope) === true) matched[i] = 1;
  });
  return targets.filter((_, i) => matched[i] === 1);
}

async function load(source: MessageSource, path: string, sizeBytes: number, need: ContentNeed): Promise<SearchContent> {
  if (need === 'whole') {
    const parsed = await source.parsed(path, sizeBytes);
    if (!parsed) return SearchContent.loaded(source, path, null, null);
    return SearchContent.loaded(source, path, { buf: parsed.buf, header: parsed.root.header }, parsed);
  }
  return SearchContent.loaded(source, path, await source.header(path), null);
}

/** true / false, or null when the key needs content that is not loaded. */
function evaluate(key: SearchKey, t: SelectedMessage, content: SearchContent | null, scope: SearchScope): boolean | null {
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

function evaluateContent(key: SearchKey, t: SelectedMessage, content: SearchContent): boolean {
  switch (key.key) {
    case 'SENTBEFORE': case 'SENTON': case 'SENTSINCE': {
      const cmp = compareDates(sentDay(content.header, t.message.internalDateMs), key.date);
      return key.key === 'SENTBEFORE' ? cmp < 0 : key.key === 'SENTON' ? cmp === 0 : cmp >= 0;
    }
    case 'HEADER':
      return content.hasHeader && fieldContains(content, key.field.toLowerCase(), key.value);
    case 'FROM': case 'TO': case 'CC': case 'BCC': case 'SUBJECT':
      return content.hasHeader && fieldContains(content, lowerKeyNames[key.key], key.value);
    case 'BODY':
      return content.bodyText().includes(key.value.toLowerCase());
    case 'TEXT': {
      const needle = key.value.toLowerCase();
      return content.headerText().includes(needle) || content.bodyText().includes(needle);
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
function fieldContains(content: SearchContent, lowerName: string, value: string): boolean {
  const needle = value.toLowerCase();
  for (const v of content.fieldValues(lowerName)) if (v.includes(needle)) return true;
  return false;
}

const lowerKeyNames = { FROM: 'from', TO: 'to', CC: 'cc', BCC: 'bcc', SUBJECT: 'subject' } as const;

function hasKeyword(flags: readonly string[], keyword: string): boolean {
  const lower = keyword.toLowerCase();
  return flags.some((f) => f.toLowerCase() === lower);
}
