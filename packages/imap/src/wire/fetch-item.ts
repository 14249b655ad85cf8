/**
 * FETCH data items (RFC 9051 §6.4.5, RFC 3501 §6.4.5, RFC 3516 BINARY, RFC 7162 MODSEQ) as the
 * parser produces them. Macros (ALL, FAST, FULL) are already expanded.
 */
import type { PartialRange, SectionSpec } from '../mime/message-section.js';

export type { PartialRange, SectionSpec, SectionText } from '../mime/message-section.js';

export type SimpleFetchItem =
  | 'ENVELOPE'
  | 'FLAGS'
  | 'INTERNALDATE'
  | 'RFC822.SIZE'
  | 'UID'
  | 'MODSEQ'
  | 'BODYSTRUCTURE'
  | 'BODY'
  | 'RFC822'
  | 'RFC822.HEADER'
  | 'RFC822.TEXT';

export type FetchItem =
  | { readonly item: SimpleFetchItem }
  /** BODY[section]<partial> or BODY.PEEK[...] (peek: do not set \Seen, RFC 9051 §6.4.5). */
  | { readonly item: 'BODY[]'; readonly section: SectionSpec; readonly partial?: PartialRange; readonly peek: boolean }
  /** BINARY[part]<partial> or BINARY.PEEK (RFC 3516 §4.1). */
  | { readonly item: 'BINARY[]'; readonly part: readonly number[]; readonly partial?: PartialRange; readonly peek: boolean }
  /** BINARY.SIZE[part] (RFC 3516 §4.2). */
  | { readonly item: 'BINARY.SIZE'; readonly part: readonly number[] };

/** True when fetching the item sets \Seen (RFC 9051 §6.4.5: BODY[], BINARY[], RFC822, RFC822.TEXT). */
export function fetchItemSetsSeen(item: FetchItem): boolean {
  if (item.item === 'BODY[]' || item.item === 'BINARY[]') return !item.peek;
  return item.item === 'RFC822' || item.item === 'RFC822.TEXT';
}

// ATOM-CHAR (RFC 9051 §9): anything but atom-specials; other names are echoed as quoted strings.
const atomRe = /^[^(){ %*"\\\]\x00-\x1f\x7f-\uffff]+$/;

function headerNameLabel(name: string): string {
  return atomRe.test(name) ? name : `"${name.replace(/["\\]/g, '\\$&')}"`;
}

function sectionLabel(section: SectionSpec): string {
  let label = section.part.join('.');
  if (section.text !== undefined) {
    if (label) label += '.';
    label += section.text;
    if (section.fields) label += ` (${section.fields.map(headerNameLabel).join(' ')})`;
  }
  return label;
}

/**
 * The name of the item in the FETCH response (RFC 9051 §7.5.2): ".PEEK" is dropped and a partial
 * range shows only its origin, e.g. BODY[HEADER.FIELDS (From)]<0>.
 */
export function fetchItemResponseName(item: FetchItem): string {
  switch (item.item) {
    case 'BODY[]':
      return `BODY[${sectionLabel(item.section)}]${item.partial ? `<${item.partial.offset}>` : ''}`;
    case 'BINARY[]':
      return `BINARY[${item.part.join('.')}]${item.partial ? `<${item.partial.offset}>` : ''}`;
    case 'BINARY.SIZE':
      return `BINARY.SIZE[${item.part.join('.')}]`;
    default:
      return item.item;
  }
}
