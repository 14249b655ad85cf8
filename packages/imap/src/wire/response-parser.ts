/**
 * Reads server response data back into ImapValues (RFC 9051 §4): atoms, numbers, NIL, quoted
 * strings, literals, literal8 and parenthesised lists. Tests and transcript checks use it to compare
 * responses by value (a string sent quoted equals the same string sent as a literal).
 *
 * Strings come back as JS strings when 7-bit, as Buffers otherwise, the same convention the MIME
 * builders use, so values from either side encode identically.
 */
import { ImapAtom, ImapLiteral8 } from './imap-value.js';
import type { ImapValue } from './imap-value.js';

export class ResponseSyntaxError extends Error {
  override readonly name = 'ResponseSyntaxError';
  constructor(reason: string, readonly offset: number) {
    super(`${reason} at offset ${offset}`);
  }
}

/**
 * Parses space-separated values from `bytes[offset, end)` up to a CRLF outside any literal (or the
 * end). Returns the values and the offset after the CRLF.
 */
export function parseResponseValues(bytes: Buffer, offset = 0, depthMax = 100): { values: ImapValue[]; end: number } {
  const reader = new ValueReader(bytes, offset, depthMax);
  const values = reader.readUntilLineEnd();
  return { values, end: reader.pos };
}

class ValueReader {
  constructor(private readonly buf: Buffer, public pos: number, private readonly depthMax: number) {}

  readUntilLineEnd(): ImapValue[] {
    const values: ImapValue[] = [];
    while (this.pos < this.buf.length) {
      const c = this.buf[this.pos]!;
      if (c === 0x0d && this.buf[this.pos + 1] === 0x0a) { this.pos += 2; break; }
      if (c === 0x20) { this.pos++; continue; }
      values.push(this.readValue(0));
    }
    return values;
  }

  private readValue(depth: number): ImapValue {
    const c = this.buf[this.pos];
    if (c === 0x28) return this.readList(depth + 1);
    if (c === 0x22) return this.readQuoted();
    if (c === 0x7b) return this.readLiteral(false);
    if (c === 0x7e && this.buf[this.pos + 1] === 0x7b) { this.pos++; return this.readLiteral(true); }
    return this.readAtom();
  }

  private readList(depth: number): ImapValue[] {
    if (depth > this.depthMax) throw new ResponseSyntaxError('lists nested too deeply', this.pos);
    this.pos++; // "("
    const items: ImapValue[] = [];
    for (;;) {
      const c = this.buf[this.pos];
      if (c === undefined) throw new ResponseSyntaxError('unterminated list', this.pos);
      if (c === 0x29) { this.pos++; return items; }
      if (c === 0x20) { this.pos++; continue; }
      items.push(this.readValue(depth));
    }
  }

  private readQuoted(): ImapValue {
    const start = ++this.pos;
    const parts: Buffer[] = [];
    let from = start;
    for (;;) {
      const c = this.buf[this.pos];
      if (c === undefined || c === 0x0d || c === 0x0a) throw new ResponseSyntaxError('unterminated quoted string', this.pos);
      if (c === 0x5c) {
        parts.push(this.buf.subarray(from, this.pos));
        from = this.pos + 1;
        this.pos += 2;
        continue;
      }
      if (c === 0x22) {
        parts.push(this.buf.subarray(from, this.pos));
        this.pos++;
        return stringValue(Buffer.concat(parts));
      }
      this.pos++;
    }
  }

  private readLiteral(binary: boolean): ImapValue {
    const close = this.buf.indexOf('}', this.pos, 'latin1');
    if (close === -1) throw new ResponseSyntaxError('unterminated literal size', this.pos);
    const size = Number(this.buf.toString('latin1', this.pos + 1, close));
    if (!Number.isSafeInteger(size) || size < 0) throw new ResponseSyntaxError('bad literal size', this.pos);
    if (this.buf[close + 1] !== 0x0d || this.buf[close + 2] !== 0x0a) throw new ResponseSyntaxError('no CRLF after literal size', close);
    const start = close + 3;
    if (start + size > this.buf.length) throw new ResponseSyntaxError('literal runs past the end', start);
    this.pos = start + size;
    const bytes = Buffer.from(this.buf.subarray(start, start + size));
    return binary ? new ImapLiteral8(bytes) : stringValue(bytes);
  }

  private readAtom(): ImapValue {
    const start = this.pos;
    while (this.pos < this.buf.length) {
      const c = this.buf[this.pos]!;
      if (c === 0x20 || c === 0x28 || c === 0x29 || c === 0x0d || c === 0x0a) break;
      // A section label "BODY[HEADER.FIELDS (A B)]" holds a list inside brackets: keep it in the atom.
      if (c === 0x5b) {
        const close = this.buf.indexOf(']', this.pos, 'latin1');
        if (close === -1) throw new ResponseSyntaxError('unterminated "["', this.pos);
        this.pos = close + 1;
        continue;
      }
      this.pos++;
    }
    if (this.pos === start) throw new ResponseSyntaxError('empty atom', start);
    const text = this.buf.toString('latin1', start, this.pos);
    if (text === 'NIL') return null;
    if (/^[0-9]+$/.test(text)) {
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : BigInt(text);
    }
    return new ImapAtom(text);
  }
}

function stringValue(bytes: Buffer): ImapValue {
  for (const b of bytes) if (b > 0x7f) return bytes;
  return bytes.toString('latin1');
}
