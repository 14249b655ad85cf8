/**
 * Encodes ImapValues onto the wire (RFC 9051 §4.3, RFC 3501 §4.3). The rule for strings: quoted when
 * the text can be (no CR, LF or NUL; 7-bit unless the client enabled UTF8=ACCEPT, RFC 6855 §3;
 * not too long), else a literal. Literals are kept as separate chunks so a large BODY[] is never
 * copied into one big string.
 */
import { ImapAdjacent, ImapAtom, ImapLiteral8, ImapRaw } from './imap-value.js';
import type { ImapValue } from './imap-value.js';

export interface EncodeOptions {
  /** The client enabled UTF8=ACCEPT (RFC 6855) or IMAP4rev2: quoted strings may carry UTF-8. */
  utf8?: boolean;
}

/** Longest string sent quoted; longer ones go as literals (cheaper to scan for the client). */
const quotedBytesMax = 1024;

/**
 * Collects the chunks of one or more responses. Text is coalesced into strings; literal data stays
 * in the Buffers it came in.
 */
export class ResponseWriter {
  private readonly chunks: Array<string | Buffer> = [];
  private text = '';

  constructor(readonly options: EncodeOptions = {}) {}

  /** Appends protocol text as is (the caller guarantees it is valid there). */
  write(text: string): this {
    this.text += text;
    return this;
  }

  value(value: ImapValue): this {
    encodeInto(this, value, this.options);
    return this;
  }

  /** Appends a literal: `{n}` CRLF then the bytes. */
  literal(bytes: Buffer): this {
    this.text += `{${bytes.length}}\r\n`;
    this.pushBytes(bytes);
    return this;
  }

  literal8(bytes: Buffer): this {
    this.text += `~{${bytes.length}}\r\n`;
    this.pushBytes(bytes);
    return this;
  }

  /** The encoded chunks, in order, ready for socket.write() one by one. */
  toChunks(): Array<string | Buffer> {
    this.flushText();
    return this.chunks.slice();
  }

  toBuffer(): Buffer {
    this.flushText();
    return Buffer.concat(this.chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : c)));
  }

  /** The whole output as a string (tests and small responses; literals are decoded as UTF-8). */
  toString(): string {
    return this.toBuffer().toString('utf8');
  }

  private pushBytes(bytes: Buffer): void {
    this.flushText();
    if (bytes.length > 0) this.chunks.push(bytes);
  }

  private flushText(): void {
    if (this.text.length > 0) {
      this.chunks.push(this.text);
      this.text = '';
    }
  }
}

/** Encodes one value to a string (literals decoded as UTF-8); for tests and small values. */
export function encodeValue(value: ImapValue, options: EncodeOptions = {}): string {
  return new ResponseWriter(options).value(value).toString();
}

function encodeInto(out: ResponseWriter, value: ImapValue, options: EncodeOptions): void {
  if (value === null) {
    out.write('NIL');
  } else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`not an IMAP number: ${value}`);
    out.write(String(value));
  } else if (typeof value === 'bigint') {
    if (value < 0n) throw new RangeError(`not an IMAP number: ${value}`);
    out.write(value.toString());
  } else if (typeof value === 'string') {
    encodeText(out, value, options);
  } else if (Buffer.isBuffer(value)) {
    encodeBytes(out, value, options);
  } else if (value instanceof ImapAtom) {
    out.write(value.text);
  } else if (value instanceof ImapRaw) {
    out.write(value.text);
  } else if (value instanceof ImapLiteral8) {
    out.literal8(value.bytes);
  } else if (value instanceof ImapAdjacent) {
    for (const item of value.items) encodeInto(out, item, options);
  } else {
    out.write('(');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.write(' ');
      encodeInto(out, value[i] as ImapValue, options);
    }
    out.write(')');
  }
}

function encodeText(out: ResponseWriter, text: string, options: EncodeOptions): void {
  if (text.length <= quotedBytesMax && canQuoteText(text, options.utf8 === true)) {
    out.write(quote(text));
  } else {
    out.literal(Buffer.from(text, 'utf8'));
  }
}

function encodeBytes(out: ResponseWriter, bytes: Buffer, options: EncodeOptions): void {
  if (bytes.length <= quotedBytesMax && canQuoteBytes(bytes, options.utf8 === true)) {
    out.write(quote(bytes.toString('utf8')));
  } else {
    out.literal(bytes);
  }
}

// RFC 9051 §4.3: QUOTED-CHAR excludes CR and LF; RFC 3501 allows only 7-bit TEXT-CHAR.
function canQuoteText(text: string, utf8: boolean): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0 || c === 0x0a || c === 0x0d) return false;
    if (c > 0x7f && !utf8) return false;
  }
  return true;
}

function canQuoteBytes(bytes: Buffer, utf8: boolean): boolean {
  let eightBit = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c === 0 || c === 0x0a || c === 0x0d) return false;
    if (c > 0x7f) eightBit = true;
  }
  if (!eightBit) return true;
  // RFC 6855 §3: only valid UTF-8 may be sent in a quoted string, and only after ENABLE.
  return utf8 && isValidUtf8(bytes);
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

export function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    utf8Decoder.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function quote(text: string): string {
  let needsEscape = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) { needsEscape = true; break; }
  }
  return needsEscape ? `"${text.replace(/["\\]/g, '\\$&')}"` : `"${text}"`;
}
