/**
 * The bytes of a FETCH BODY[section]<partial> (RFC 9051 §6.4.5, RFC 3501 §6.4.5), cut from the
 * original message; only HEADER.FIELDS builds new bytes. Part numbering (RFC 9051 §6.4.5):
 * part 1 of a non-multipart message is its body; the parts of a multipart are numbered from 1; a
 * message/rfc822 part's subparts are those of the message inside it. HEADER, HEADER.FIELDS and
 * TEXT of a numbered part need that part to be a message/rfc822.
 */
import { fieldNameIs } from './header-block.js';
import type { HeaderBlock } from './header-block.js';
import type { MimePart } from './mime-part.js';

export type SectionText = 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';

export interface SectionSpec {
  /** Part numbers, e.g. [1, 2] for "1.2"; [] for the whole message. */
  readonly part: readonly number[];
  readonly text?: SectionText;
  /** Field names for HEADER.FIELDS and HEADER.FIELDS.NOT. */
  readonly fields?: readonly string[];
}

export interface PartialRange {
  readonly offset: number;
  readonly length: number;
}

/** The part a section path names, or null when there is no such part. */
export function findSectionPart(root: MimePart, path: readonly number[]): MimePart | null {
  let part = root;
  for (let i = 0; i < path.length; i++) {
    const n = path[i]!;
    // Past the first number, a message/rfc822 part stands for the message inside it.
    if (i > 0 && part.kind === 'message') {
      if (!part.message) return null;
      part = part.message;
    }
    if (part.kind === 'multipart') {
      const child = part.children[n - 1];
      if (!child) return null;
      part = child;
    } else if (n !== 1) {
      return null;
    }
  }
  return part;
}

/**
 * The section's bytes (before any partial range), or null when the section names a part that
 * does not exist or a HEADER/TEXT of a part that is not a message. Slices share the message buffer.
 */
export function sectionBytes(buf: Buffer, root: MimePart, section: SectionSpec): Buffer | null {
  if (section.part.length === 0) {
    if (section.text === undefined) return buf;
    if (section.text === 'MIME') return null; // RFC 9051 §6.4.5: MIME needs a part number
    return messageSection(buf, root, section);
  }
  const part = findSectionPart(root, section.part);
  if (!part) return null;
  if (section.text === undefined) return buf.subarray(part.bodyStart, part.bodyEnd);
  if (section.text === 'MIME') return buf.subarray(part.start, part.header.end);
  if (part === root) return messageSection(buf, root, section);
  if (part.kind !== 'message' || !part.message) return null;
  return messageSection(buf, part.message, section);
}

function messageSection(buf: Buffer, message: MimePart, section: SectionSpec): Buffer {
  switch (section.text) {
    case 'TEXT':
      return buf.subarray(message.bodyStart, message.bodyEnd);
    case 'HEADER.FIELDS':
      return filterHeader(buf, message.header, section.fields ?? [], true);
    case 'HEADER.FIELDS.NOT':
      return filterHeader(buf, message.header, section.fields ?? [], false);
    default:
      return buf.subarray(message.start, message.header.end);
  }
}

/**
 * RFC 9051 §6.4.5 HEADER.FIELDS: the fields named (or, with NOT, all others) as they are written,
 * followed by the empty line that ends a header.
 */
export function filterHeader(buf: Buffer, header: HeaderBlock, names: readonly string[], include: boolean): Buffer {
  const lower = names.map((n) => n.toLowerCase());
  const pieces: Buffer[] = [];
  for (const field of header.fields) {
    let matches = false;
    for (const name of lower) {
      if (fieldNameIs(buf, field, name)) { matches = true; break; }
    }
    if (matches !== include) continue;
    pieces.push(buf.subarray(field.start, field.end));
    if (buf[field.end - 1] !== 0x0a) pieces.push(crlf);
  }
  pieces.push(crlf);
  return Buffer.concat(pieces);
}

const crlf = Buffer.from('\r\n', 'latin1');

/** Applies a partial range `<offset.length>` (RFC 9051 §6.4.5): past the end gives an empty string. */
export function applyPartial(bytes: Buffer, partial: PartialRange | undefined): Buffer {
  if (!partial) return bytes;
  const start = Math.min(partial.offset, bytes.length);
  const end = Math.min(start + partial.length, bytes.length);
  return bytes.subarray(start, end);
}
