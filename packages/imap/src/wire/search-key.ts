/**
 * SEARCH criteria (RFC 9051 §6.4.4, RFC 3501 §6.4.4, RFC 7162 §3.1.5 MODSEQ) and SORT/THREAD
 * parameters (RFC 5256, RFC 5957 DISPLAYFROM/DISPLAYTO). A list of keys means AND.
 * Strings are decoded from the command's CHARSET (US-ASCII/UTF-8 by default) into text.
 */
import type { ImapDate } from './imap-date.js';
import type { SequenceSet } from './sequence-set.js';

export type FlagSearchKey =
  | 'ALL' | 'ANSWERED' | 'DELETED' | 'DRAFT' | 'FLAGGED' | 'NEW' | 'OLD' | 'RECENT' | 'SEEN'
  | 'UNANSWERED' | 'UNDELETED' | 'UNDRAFT' | 'UNFLAGGED' | 'UNSEEN';

export type TextSearchKey = 'BCC' | 'BODY' | 'CC' | 'FROM' | 'SUBJECT' | 'TEXT' | 'TO';

export type DateSearchKey = 'BEFORE' | 'ON' | 'SINCE' | 'SENTBEFORE' | 'SENTON' | 'SENTSINCE';

export type SearchKey =
  | { readonly key: FlagSearchKey }
  | { readonly key: TextSearchKey; readonly value: string }
  | { readonly key: 'HEADER'; readonly field: string; readonly value: string }
  | { readonly key: DateSearchKey; readonly date: ImapDate }
  | { readonly key: 'KEYWORD' | 'UNKEYWORD'; readonly flag: string }
  | { readonly key: 'LARGER' | 'SMALLER'; readonly size: number }
  | { readonly key: 'NOT'; readonly operand: SearchKey }
  | { readonly key: 'OR'; readonly left: SearchKey; readonly right: SearchKey }
  /** A parenthesised list of keys (all must match). */
  | { readonly key: 'AND'; readonly operands: readonly SearchKey[] }
  /** A bare sequence set (message sequence numbers, or "$"). */
  | { readonly key: 'SEQUENCE'; readonly set: SequenceSet }
  | { readonly key: 'UID'; readonly set: SequenceSet }
  /** RFC 7162 §3.1.5: messages with a mod-sequence at least `modSeq`. */
  | { readonly key: 'MODSEQ'; readonly modSeq: number; readonly entry?: ModSeqEntry };

export interface ModSeqEntry {
  /** e.g. "/flags/\\draft" (RFC 7162 §3.1.5 entry-name). */
  readonly name: string;
  readonly type: 'priv' | 'shared' | 'all';
}

/** ESEARCH return options (RFC 4731 §3.1) and SAVE (RFC 5182 §2). */
export type SearchReturnOption = 'MIN' | 'MAX' | 'ALL' | 'COUNT' | 'SAVE';

export type SortKey = 'ARRIVAL' | 'CC' | 'DATE' | 'FROM' | 'SIZE' | 'SUBJECT' | 'TO' | 'DISPLAYFROM' | 'DISPLAYTO';

export interface SortCriterion {
  readonly key: SortKey;
  readonly reverse: boolean;
}

export type ThreadAlgorithm = 'ORDEREDSUBJECT' | 'REFERENCES';
