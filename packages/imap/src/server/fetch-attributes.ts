/**
 * The data items of one message's FETCH response (RFC 9051 §7.5.2, RFC 3501 §7.4.2; BINARY
 * RFC 3516 §4; MODSEQ RFC 7162 §3.1.4). A plan made once per command says what each message needs
 * read: nothing (flags, sizes, dates), the header only (ENVELOPE, header sections), or the whole
 * file; parsed ENVELOPE/BODY/BODYSTRUCTURE come from the MessageCache when they are there, already
 * encoded for the wire. The whole file's MIME structure is parsed only for items that need it:
 * BODY[], BODY[TEXT] and RFC822 send the file's bytes as they are.
 */
import type { FetchItem } from '../wire/fetch-item.js';
import { fetchItemResponseName } from '../wire/fetch-item.js';
import { atom, ImapLiteral8 } from '../wire/imap-value.js';
import type { ImapValue } from '../wire/imap-value.js';
import { formatDateTime } from '../wire/imap-date.js';
import { parseHeaderBlock } from '../mime/header-block.js';
import { applyPartial, filterHeader, sectionBytes } from '../mime/message-section.js';
import type { SectionSpec } from '../mime/message-section.js';
import { binarySection } from '../mime/transfer-decoding.js';
import type { MessageSource, ParsedMessage } from './message-source.js';
import { flagsWithRecent } from './selected-mailbox.js';
import type { ViewMessage } from './selected-mailbox.js';

export interface FetchPlan {
  readonly items: readonly FetchItem[];
  /** UID FETCH: UID comes first even when not asked for (RFC 9051 §6.4.9). */
  readonly uid: boolean;
  /** CHANGEDSINCE implies MODSEQ (RFC 7162 §3.1.4.1). */
  readonly modSeq: boolean;
  /** Read the whole file (else the header at most). */
  readonly whole: boolean;
  /** Read the header (when not whole). */
  readonly header: boolean;
  readonly envelope: boolean;
  readonly body: boolean;
  readonly bodyStructure: boolean;
  /** The client takes UTF-8 in quoted strings (RFC 6855 §3): picks the cached wire forms. */
  readonly utf8: boolean;
}

const headerOnlyTexts = new Set(['HEADER', 'HEADER.FIELDS', 'HEADER.FIELDS.NOT']);

function headerOnlySection(section: SectionSpec): boolean {
  return section.part.length === 0 && section.text !== undefined && headerOnlyTexts.has(section.text);
}

export function planFetch(items: readonly FetchItem[], uid: boolean, modSeq: boolean, utf8 = false): FetchPlan {
  let whole = false;
  let header = false;
  for (const item of items) {
    switch (item.item) {
      case 'BODY[]':
        if (headerOnlySection(item.section)) header = true;
        else whole = true;
        break;
      case 'RFC822.HEADER':
        header = true;
        break;
      case 'RFC822': case 'RFC822.TEXT': case 'BINARY[]': case 'BINARY.SIZE':
        whole = true;
        break;
      default:
        break;
    }
  }
  const has = (name: string): boolean => items.some((i) => i.item === name);
  return { items, uid, modSeq, whole, header, envelope: has('ENVELOPE'), body: has('BODY'), bodyStructure: has('BODYSTRUCTURE'), utf8 };
}

/**
 * The items for one message when nothing has to be read (index data, or parsed values the cache
 * holds): the common FETCH (FLAGS UID ENVELOPE) over a whole mailbox runs without a promise per
 * message. Returns null when something must be read (use fetchMessage then).
 */
export function fetchMessageNow(source: MessageSource, path: string | undefined, m: ViewMessage, plan: FetchPlan, addFlags: boolean): Array<[string, ImapValue]> | null {
  if (plan.whole || plan.header) return null;
  const facts = (plan.envelope || plan.body || plan.bodyStructure) && path !== undefined ? source.facts(path) : undefined;
  const out: Array<[string, ImapValue]> = [];
  if (plan.uid) out.push(['UID', m.uid]);
  for (const item of plan.items) {
    let value: ImapValue | undefined;
    switch (item.item) {
      case 'UID': if (plan.uid) continue; value = m.uid; break;
      case 'FLAGS': value = flagsWithRecent(m).map(atom); break;
      case 'INTERNALDATE': value = formatDateTime(m.internalDateMs); break;
      case 'RFC822.SIZE': value = m.sizeBytes; break;
      case 'MODSEQ': value = [m.modSeq]; break;
      case 'ENVELOPE': case 'BODY': case 'BODYSTRUCTURE':
        value = facts && source.wireValue(facts, path!, item.item, plan.utf8);
        break;
      default: return null;
    }
    if (value === undefined) return null;
    out.push([item.item, value]);
  }
  if (plan.modSeq && !plan.items.some((i) => i.item === 'MODSEQ')) out.push(['MODSEQ', [m.modSeq]]);
  if (addFlags && !plan.items.some((i) => i.item === 'FLAGS')) out.push(['FLAGS', flagsWithRecent(m).map(atom)]);
  return out;
}

/** What the plan needs of this message, loaded: the whole file, or the header section only. */
interface Loaded {
  readonly parsed: ParsedMessage | null;
  readonly header: Buffer | null;
}

function headerOf(loaded: Loaded): Buffer | null {
  const p = loaded.parsed;
  return p ? p.buf.subarray(0, p.headerEnd) : loaded.header;
}

/**
 * The items for one message, or null when it needs the file and the file is gone (the message was
 * expunged by another session and this client has not been told yet).
 */
export async function fetchMessage(source: MessageSource, path: string | undefined, m: ViewMessage, plan: FetchPlan, addFlags: boolean): Promise<Array<[string, ImapValue]> | null> {
  const needsFile = plan.whole || plan.header
    || ((plan.envelope || plan.body || plan.bodyStructure) && (path === undefined
      || !source.cached(path, { envelope: plan.envelope, body: plan.body, bodyStructure: plan.bodyStructure, header: false })));
  if (needsFile && path === undefined) return null;
  let loaded: Loaded = { parsed: null, header: null };
  if (path !== undefined && (plan.whole || ((plan.body || plan.bodyStructure) && needsFile))) {
    const parsed = await source.parsed(path, m.sizeBytes);
    if (!parsed) return null;
    loaded = { parsed, header: null };
  } else if (path !== undefined && plan.header) {
    const header = await source.header(path);
    if (!header) return null;
    loaded = { parsed: null, header: header.buf };
  }
  const out: Array<[string, ImapValue]> = [];
  if (plan.uid) out.push(['UID', m.uid]);
  for (const item of plan.items) {
    if (item.item === 'UID' && plan.uid) continue;
    const value = await itemValue(source, path, m, item, loaded);
    if (value === undefined) return null;
    out.push([fetchItemResponseName(item), value]);
  }
  if (plan.modSeq && !plan.items.some((i) => i.item === 'MODSEQ')) out.push(['MODSEQ', [m.modSeq]]);
  if (addFlags && !plan.items.some((i) => i.item === 'FLAGS')) out.push(['FLAGS', flagsWithRecent(m).map(atom)]);
  return out;
}

async function itemValue(source: MessageSource, path: string | undefined, m: ViewMessage, item: FetchItem, loaded: Loaded): Promise<ImapValue | undefined> {
  switch (item.item) {
    case 'UID': return m.uid;
    case 'FLAGS': return flagsWithRecent(m).map(atom);
    case 'INTERNALDATE': return formatDateTime(m.internalDateMs);
    case 'RFC822.SIZE': return m.sizeBytes;
    case 'MODSEQ': return [m.modSeq];
    case 'ENVELOPE': return path === undefined ? undefined : source.envelope(path);
    case 'BODY': return path === undefined ? undefined : source.structure(path, false, loaded.parsed, m.sizeBytes);
    case 'BODYSTRUCTURE': return path === undefined ? undefined : source.structure(path, true, loaded.parsed, m.sizeBytes);
    case 'RFC822': return loaded.parsed?.buf;
    case 'RFC822.HEADER': return headerOf(loaded) ?? undefined;
    case 'RFC822.TEXT': {
      const p = loaded.parsed;
      return p ? p.buf.subarray(p.headerEnd) : undefined;
    }
    case 'BODY[]': return sectionValue(item.section, item.partial, loaded);
    case 'BINARY[]': {
      const p = loaded.parsed;
      if (!p) return undefined;
      const bytes = binarySection(p.buf, p.root, item.part);
      if (bytes === null) return null;
      const cut = applyPartial(bytes, item.partial);
      // RFC 3516 §4.3: literal8 only when the data holds NUL; other binary data fits a literal.
      return cut.includes(0) ? new ImapLiteral8(cut) : cut;
    }
    case 'BINARY.SIZE': {
      const p = loaded.parsed;
      if (!p) return undefined;
      return binarySection(p.buf, p.root, item.part)?.length ?? null;
    }
  }
}

/** BODY[section]<partial>: NIL for a part that does not exist. */
function sectionValue(section: SectionSpec, partial: { offset: number; length: number } | undefined, loaded: Loaded): ImapValue | undefined {
  const p = loaded.parsed;
  if (p) {
    // BODY[] and BODY[TEXT] are cuts at the header's end: no need for the MIME structure.
    if (section.part.length === 0 && section.text === undefined) return applyPartial(p.buf, partial);
    if (section.part.length === 0 && section.text === 'TEXT') return applyPartial(p.buf.subarray(p.headerEnd), partial);
    const bytes = sectionBytes(p.buf, p.root, section);
    return bytes === null ? null : applyPartial(bytes, partial);
  }
  const header = loaded.header;
  if (!header) return undefined;
  // Header-only sections of the message itself, served from the header read alone.
  let bytes: Buffer = header;
  if (section.text === 'HEADER.FIELDS' || section.text === 'HEADER.FIELDS.NOT') {
    const block = parseHeaderBlock(header, 0);
    bytes = filterHeader(header, block, section.fields ?? [], section.text === 'HEADER.FIELDS');
  }
  return applyPartial(bytes, partial);
}
