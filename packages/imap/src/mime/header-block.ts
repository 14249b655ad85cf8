/**
 * The header section of a message or body part (RFC 5322 §2.2, RFC 2045 §3), located by byte
 * offsets into the message buffer. Nothing is copied or decoded while parsing: one pass over the
 * lines with Buffer.indexOf, so a FETCH ENVELOPE over many messages stays cheap.
 *
 * The section ends at the first empty line (included in it), at the end of the buffer, or — inside
 * a multipart — at a boundary line of an enclosing part (RFC 2046 §5.1.1). In that last case the
 * line break before the boundary belongs to the boundary, not to the header.
 */

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HT = 0x09;
const COLON = 0x3a;

export interface HeaderField {
  /** Offset of the first byte of the field name. */
  readonly start: number;
  /** End of the name (exclusive, white space before the colon not included). */
  readonly nameEnd: number;
  /** First byte after the colon (or the line end when there is no colon). */
  readonly valueStart: number;
  /** End of the value: before the line break of the field's last line. */
  readonly valueEnd: number;
  /** End of the field including its last line break. */
  readonly end: number;
}

export interface HeaderBlock {
  readonly start: number;
  /** End of the header section, empty line included: where the body starts. */
  readonly end: number;
  readonly fields: readonly HeaderField[];
  readonly terminator: 'empty-line' | 'boundary' | 'eof';
}

/**
 * Returns true when the line starting at `lineStart` is a boundary of an enclosing multipart
 * (then the header section stops before it).
 */
export type BoundaryProbe = (lineStart: number) => boolean;

/** Parses the header section that starts at `start` and may not extend past `limit`. */
export function parseHeaderBlock(
  buf: Buffer,
  start: number,
  limit: number = buf.length,
  isBoundary?: BoundaryProbe,
): HeaderBlock {
  const fields: HeaderField[] = [];
  let pos = start;
  // The field being collected (folded lines are added to it); openStart -1 when none.
  let openStart = -1;
  let openNameEnd = 0;
  let openValueStart = 0;
  let openValueEnd = 0;
  let openEnd = 0;
  while (pos < limit) {
    // One pass over the line: its end and its first colon (a plain loop beats indexOf per line here).
    let lineEnd = pos;
    let colon = -1;
    while (lineEnd < limit) {
      const c = buf[lineEnd]!;
      if (c === LF) break;
      if (c === COLON && colon === -1) colon = lineEnd;
      lineEnd++;
    }
    const next = lineEnd === limit ? limit : lineEnd + 1;
    const contentEnd = lineEnd > pos && buf[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
    const first = buf[pos]!;
    if (contentEnd === pos && lineEnd < limit) {
      // RFC 5322 §2.1: the empty line ends the header section and belongs to it.
      if (openStart !== -1) fields.push({ start: openStart, nameEnd: openNameEnd, valueStart: openValueStart, valueEnd: openValueEnd, end: openEnd });
      return { start, end: next, fields, terminator: 'empty-line' };
    }
    if (openStart !== -1 && (first === SP || first === HT)) {
      // RFC 5322 §2.2.3: a line starting with white space continues the field (folding).
      openValueEnd = contentEnd;
      openEnd = next;
      pos = next;
      continue;
    }
    if (isBoundary && first === 0x2d && isBoundary(pos)) {
      if (openStart !== -1) fields.push({ start: openStart, nameEnd: openNameEnd, valueStart: openValueStart, valueEnd: openValueEnd, end: openEnd });
      // The line break before the boundary line is part of the boundary (RFC 2046 §5.1.1).
      const end = boundaryDelimiterStart(buf, start, pos);
      trimLastFieldEnd(fields, end);
      return { start, end, fields, terminator: 'boundary' };
    }
    if (openStart !== -1) fields.push({ start: openStart, nameEnd: openNameEnd, valueStart: openValueStart, valueEnd: openValueEnd, end: openEnd });
    if (colon > contentEnd) colon = -1;
    let nameEnd = colon === -1 ? contentEnd : colon;
    while (nameEnd > pos && (buf[nameEnd - 1] === SP || buf[nameEnd - 1] === HT)) nameEnd--;
    openStart = pos;
    openNameEnd = nameEnd;
    openValueStart = colon === -1 ? contentEnd : colon + 1;
    openValueEnd = contentEnd;
    openEnd = next;
    pos = next;
  }
  if (openStart !== -1) fields.push({ start: openStart, nameEnd: openNameEnd, valueStart: openValueStart, valueEnd: openValueEnd, end: openEnd });
  return { start, end: limit, fields, terminator: 'eof' };
}

/** Start of "[CR]LF--boundary": the line break before the boundary line, unless it is outside the part. */
export function boundaryDelimiterStart(buf: Buffer, partStart: number, lineStart: number): number {
  let p = lineStart;
  if (p > partStart && buf[p - 1] === LF) {
    p--;
    if (p > partStart && buf[p - 1] === CR) p--;
  }
  return p;
}

function trimLastFieldEnd(fields: HeaderField[], end: number): void {
  const last = fields[fields.length - 1];
  if (last && last.end > end) {
    fields[fields.length - 1] = { ...last, end, valueEnd: Math.min(last.valueEnd, end) };
  }
}

/** True when the field's name equals `lowerName` (ASCII, case-insensitive), without allocating. */
export function fieldNameIs(buf: Buffer, field: HeaderField, lowerName: string): boolean {
  if (field.nameEnd - field.start !== lowerName.length) return false;
  for (let i = 0; i < lowerName.length; i++) {
    let c = buf[field.start + i]!;
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== lowerName.charCodeAt(i)) return false;
  }
  return true;
}

/** The field name as written (latin1). */
export function fieldName(buf: Buffer, field: HeaderField): string {
  return buf.toString('latin1', field.start, field.nameEnd);
}

/**
 * The field value, unfolded (RFC 5322 §2.2.3: line breaks removed, the white space after them kept),
 * leading white space removed; latin1 so 8-bit bytes survive.
 */
export function fieldValue(buf: Buffer, field: HeaderField): string {
  let start = field.valueStart;
  const end = field.valueEnd;
  while (start < end && (buf[start] === SP || buf[start] === HT || buf[start] === CR || buf[start] === LF)) start++;
  const rawValue = buf.toString('latin1', start, end);
  if (rawValue.indexOf('\n') === -1 && rawValue.indexOf('\r') === -1) return rawValue;
  return rawValue.replace(/\r?\n/g, '').replace(/\r/g, '');
}

/** The field value with its line breaks kept (for parsers that treat CRLF as white space). */
export function fieldRawValue(buf: Buffer, field: HeaderField): string {
  return buf.toString('latin1', field.valueStart, field.valueEnd);
}

/** First field with this name (lower-case), if any. */
export function findField(buf: Buffer, block: HeaderBlock, lowerName: string): HeaderField | undefined {
  for (const field of block.fields) if (fieldNameIs(buf, field, lowerName)) return field;
  return undefined;
}

/** Unfolded value of the first field with this name, or null. */
export function headerValue(buf: Buffer, block: HeaderBlock, lowerName: string): string | null {
  const field = findField(buf, block, lowerName);
  return field ? fieldValue(buf, field) : null;
}
