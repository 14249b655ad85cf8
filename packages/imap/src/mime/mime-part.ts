/**
 * The MIME structure of a message (RFC 2045, RFC 2046 §5), found in one pass over its bytes and
 * kept as byte offsets, so BODY[section], partial fetches and BINARY slice the original bytes.
 *
 * Invariants: for every part, start <= bodyStart <= bodyEnd <= buf.length, header.end === bodyStart;
 * children lie inside their parent's body, in order, without overlapping.
 *
 * Boundary rules (RFC 2046 §5.1.1, and how deployed servers read broken mail): a boundary line is a
 * line starting with "--" followed by the boundary of ANY enclosing multipart; the longest matching
 * boundary wins, the innermost on a tie (so nested parts reusing a boundary still nest). The line
 * break before it belongs to the delimiter. Finding an outer boundary closes every part inside it.
 * A multipart without parts, or without a boundary parameter, is reported with one empty text/plain
 * part by BODYSTRUCTURE (RFC 9051 §9 requires at least one).
 */
import { limits } from '@tandem/config';
import { parameterValue, parseContentType } from './content-fields.js';
import type { ContentType } from './content-fields.js';
import { boundaryDelimiterStart, fieldValue, findField, parseHeaderBlock } from './header-block.js';
import type { HeaderBlock } from './header-block.js';

export type MimePartKind = 'multipart' | 'message' | 'leaf';

export interface MimePart {
  /** Offset of the part's first header byte. */
  readonly start: number;
  readonly header: HeaderBlock;
  /** Where the body starts: header.end. */
  readonly bodyStart: number;
  /** Where the body ends (exclusive): before the line break of the next boundary, or the end. */
  readonly bodyEnd: number;
  /** The content type in force, defaults applied (RFC 2045 §5.2, RFC 2046 §5.1.5). */
  readonly contentType: ContentType;
  /** True when contentType is a default rather than the part's own Content-Type. */
  readonly contentTypeDefaulted: boolean;
  /** The part's Content-* fields apply (MIME-Version or Content-Type present, or inside a multipart). */
  readonly isMime: boolean;
  readonly kind: MimePartKind;
  /** Body parts of a multipart, in order. */
  readonly children: readonly MimePart[];
  /** The encapsulated message of a message/rfc822 (or message/global) part. */
  readonly message: MimePart | null;
}

interface MutablePart {
  start: number;
  header: HeaderBlock;
  bodyStart: number;
  bodyEnd: number;
  contentType: ContentType;
  contentTypeDefaulted: boolean;
  isMime: boolean;
  kind: MimePartKind;
  children: MimePart[];
  message: MimePart | null;
}

interface BoundaryEntry {
  readonly text: Buffer;
  readonly owner: MutablePart;
}

interface BoundaryMatch {
  readonly entry: BoundaryEntry;
  /** Start of "[CR]LF--boundary". */
  readonly delimiterStart: number;
  /** First byte after the boundary line. */
  readonly lineEnd: number;
  /** "--boundary--": the close delimiter. */
  readonly isClose: boolean;
}

interface EntityResult {
  readonly part: MutablePart;
  readonly found: BoundaryMatch | null;
}

const textPlain: ContentType = { type: 'text', subtype: 'plain', params: [{ name: 'charset', value: 'us-ascii' }] };
const messageRfc822: ContentType = { type: 'message', subtype: 'rfc822', params: [] };

export interface MimeParseOptions {
  partsMax?: number;
  depthMax?: number;
}

/** Parses the structure of a whole message (RFC 5322 message, MIME or not). Never throws. */
export function parseMimeMessage(buf: Buffer, options: MimeParseOptions = {}): MimePart {
  const parser = new MimeStructureParser(
    buf,
    options.partsMax ?? limits.mimePartsMax,
    options.depthMax ?? limits.mimeDepthMax,
  );
  return parser.parseEntity(0, false, false, 0).part;
}

class MimeStructureParser {
  private readonly boundaries: BoundaryEntry[] = [];
  private partsCount = 0;
  private lastProbe: BoundaryMatch | null = null;
  private readonly probe = (lineStart: number): boolean => {
    this.lastProbe = this.matchLine(lineStart, lineStart);
    return this.lastProbe !== null;
  };

  constructor(
    private readonly buf: Buffer,
    private readonly partsMax: number,
    private readonly depthMax: number,
  ) {}

  parseEntity(start: number, inMultipart: boolean, inDigest: boolean, depth: number): EntityResult {
    this.partsCount++;
    const buf = this.buf;
    const header = parseHeaderBlock(buf, start, buf.length, this.boundaries.length > 0 ? this.probe : undefined);
    const headerFound = header.terminator === 'boundary' ? this.lastProbe : null;
    const part = this.describePart(start, header, inMultipart, inDigest, depth);
    if (headerFound) {
      // The part ends inside its header: empty body (and an empty encapsulated message).
      if (part.kind === 'message') part.message = this.emptyMessage(header.end);
      return { part, found: headerFound };
    }
    if (part.kind === 'multipart') return this.parseMultipartBody(part, depth);
    if (part.kind === 'message') {
      const inner = this.parseEntity(part.bodyStart, false, false, depth + 1);
      part.message = inner.part;
      part.bodyEnd = inner.found ? inner.found.delimiterStart : buf.length;
      return { part, found: inner.found };
    }
    const found = this.scan(part.bodyStart);
    part.bodyEnd = found ? found.delimiterStart : buf.length;
    return { part, found };
  }

  private describePart(start: number, header: HeaderBlock, inMultipart: boolean, inDigest: boolean, depth: number): MutablePart {
    const buf = this.buf;
    const ctField = findField(buf, header, 'content-type');
    const isMime = inMultipart || ctField !== undefined || findField(buf, header, 'mime-version') !== undefined;
    let contentType: ContentType | null = null;
    if (isMime && ctField) contentType = parseContentType(fieldValue(buf, ctField));
    const defaulted = contentType === null;
    // RFC 2046 §5.1.5: in a multipart/digest the default is message/rfc822; elsewhere RFC 2045 §5.2 text/plain.
    if (contentType === null) contentType = inDigest && !ctField ? messageRfc822 : textPlain;
    const type = contentType.type.toLowerCase();
    const subtype = contentType.subtype.toLowerCase();
    let kind: MimePartKind = 'leaf';
    if (depth < this.depthMax) {
      if (type === 'multipart') kind = 'multipart';
      // RFC 9051 §9 media-message: message/rfc822 and message/global (RFC 6532) encapsulate a message.
      else if (type === 'message' && (subtype === 'rfc822' || subtype === 'global')) kind = 'message';
    }
    return {
      start, header, bodyStart: header.end, bodyEnd: header.end, contentType,
      contentTypeDefaulted: defaulted, isMime, kind, children: [], message: null,
    };
  }

  private parseMultipartBody(part: MutablePart, depth: number): EntityResult {
    const boundary = parameterValue(part.contentType.params, 'boundary');
    if (boundary === undefined) {
      // No boundary: nothing can start a part; the body is opaque up to an outer boundary.
      const found = this.scan(part.bodyStart);
      part.bodyEnd = found ? found.delimiterStart : this.buf.length;
      return { part, found };
    }
    const entry: BoundaryEntry = { text: Buffer.from(boundary, 'latin1'), owner: part };
    this.boundaries.push(entry);
    const isDigest = part.contentType.subtype.toLowerCase() === 'digest';
    let found = this.scan(part.bodyStart); // the preamble
    for (;;) {
      if (found === null || found.entry !== entry) {
        this.popBoundary(entry);
        part.bodyEnd = found ? found.delimiterStart : this.buf.length;
        return { part, found };
      }
      if (found.isClose) {
        this.popBoundary(entry);
        const outer = this.scan(found.lineEnd); // the epilogue
        part.bodyEnd = outer ? outer.delimiterStart : this.buf.length;
        return { part, found: outer };
      }
      if (this.partsCount >= this.partsMax) {
        // limits.mimePartsMax: stop splitting; the rest is this multipart's body.
        this.boundaries.length = 0;
        part.bodyEnd = this.buf.length;
        return { part, found: null };
      }
      const child = this.parseEntity(found.lineEnd, true, isDigest, depth + 1);
      part.children.push(child.part);
      found = child.found;
    }
  }

  private popBoundary(entry: BoundaryEntry): void {
    const i = this.boundaries.lastIndexOf(entry);
    if (i !== -1) this.boundaries.length = i;
  }

  private emptyMessage(at: number): MutablePart {
    const header: HeaderBlock = { start: at, end: at, fields: [], terminator: 'eof' };
    return this.describePart(at, header, false, false, Number.MAX_SAFE_INTEGER);
  }

  /** Finds the next boundary line at or after `from` (which is at a line start). */
  private scan(from: number): BoundaryMatch | null {
    if (this.boundaries.length === 0) return null;
    const buf = this.buf;
    const first = this.matchLine(from, from);
    if (first) return first;
    let pos = from;
    for (;;) {
      const lf = buf.indexOf('\n--', pos, 'latin1');
      if (lf === -1) return null;
      const match = this.matchLine(lf + 1, from);
      if (match) return match;
      pos = lf + 1;
    }
  }

  /** The boundary that the line at `lineStart` opens or closes, if any. */
  private matchLine(lineStart: number, partStart: number): BoundaryMatch | null {
    const buf = this.buf;
    if (buf[lineStart] !== 0x2d || buf[lineStart + 1] !== 0x2d) return null;
    let lf = buf.indexOf(0x0a, lineStart);
    if (lf === -1) lf = buf.length;
    const textStart = lineStart + 2;
    let best: BoundaryEntry | null = null;
    for (let i = this.boundaries.length - 1; i >= 0; i--) {
      const entry = this.boundaries[i]!;
      const len = entry.text.length;
      if (textStart + len > lf) continue;
      if (best !== null && best.text.length >= len) continue;
      if (buf.compare(entry.text, 0, len, textStart, textStart + len) === 0) best = entry;
    }
    if (best === null) return null;
    const after = textStart + best.text.length;
    const isClose = after + 1 < lf && buf[after] === 0x2d && buf[after + 1] === 0x2d;
    return {
      entry: best,
      delimiterStart: boundaryDelimiterStart(buf, partStart, lineStart),
      lineEnd: lf === buf.length ? lf : lf + 1,
      isClose,
    };
  }
}

/** Number of lines (LF count) in buf[start, end): the "size in text lines" of RFC 9051 §7.5.2. */
export function countLines(buf: Buffer, start: number, end: number): number {
  const view = buf.subarray(start, end);
  let n = 0;
  let p = view.indexOf(0x0a);
  while (p !== -1) {
    n++;
    p = view.indexOf(0x0a, p + 1);
  }
  return n;
}
