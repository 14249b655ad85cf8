/**
 * The grammar primitives of client commands (RFC 9051 §9, RFC 3501 §9) over one complete command:
 * its bytes without the final CRLF, literal data included (as the CommandReader frames it).
 * Each method consumes what it read or throws ImapParseError with a reason the client can act on.
 * Every loop consumes at least one byte per turn and nesting is bounded (limits.imapParseDepthMax),
 * so no input can hang or overflow the stack.
 */
import { limits } from '@tandem/config';
import { parseDateText, parseDateTimeText } from './imap-date.js';
import type { ImapDate, ImapDateTime } from './imap-date.js';
import { ImapParseError } from './parse-error.js';
import type { NumberKind, SeqNumber, SeqRange, SequenceSet } from './sequence-set.js';
import { isValidUtf8 } from './value-encoder.js';

export interface ParseOptions {
  /**
   * The client enabled UTF8=ACCEPT (RFC 6855 §3) or IMAP4rev2 (RFC 9051 §9 QUOTED-CHAR):
   * quoted strings may carry UTF-8.
   */
  utf8?: boolean;
  /** Nesting allowed for lists and NOT/OR (default limits.imapParseDepthMax). */
  depthMax?: number;
}

const SP = 0x20;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;

// RFC 9051 §9: ATOM-CHAR = any CHAR except atom-specials ("(" ")" "{" SP CTL "%" "*" DQUOTE "\" "]").
const ATOM = 1;
const ASTRING = 2; // ATOM-CHAR / "]"
const LIST = 4; // list-char = ATOM-CHAR / "%" / "*" / "]"
const TAG = 8; // ASTRING-CHAR except "+"
const charClass = new Uint8Array(256);
for (let c = 0x21; c < 0x7f; c++) {
  const ch = String.fromCharCode(c);
  const special = '(){%*"\\]'.includes(ch);
  let cls = 0;
  if (!special) cls |= ATOM | ASTRING | LIST;
  if (ch === ']') cls |= ASTRING | LIST;
  if (ch === '%' || ch === '*') cls |= LIST;
  if ((cls & ASTRING) !== 0 && ch !== '+') cls |= TAG;
  charClass[c] = cls;
}

const systemFlags = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft', '\\Recent'];

const maxNumber32 = 0xffffffff;

export class ArgReader {
  pos = 0;
  private depth = 0;
  private readonly depthMax: number;

  constructor(readonly buf: Buffer, readonly options: ParseOptions = {}) {
    this.depthMax = options.depthMax ?? limits.imapParseDepthMax;
  }

  fail(reason: string): never {
    throw new ImapParseError(reason);
  }

  atEnd(): boolean {
    return this.pos >= this.buf.length;
  }

  peek(): number {
    return this.pos < this.buf.length ? this.buf[this.pos]! : -1;
  }

  /** True (and consumed) when the next byte is `byte`. */
  skipByte(byte: number): boolean {
    if (this.buf[this.pos] !== byte) return false;
    this.pos++;
    return true;
  }

  expectByte(byte: number, what: string): void {
    if (this.atEnd()) this.fail(`Missing ${what}`);
    if (!this.skipByte(byte)) this.fail(`Expected ${what}`);
  }

  /** Exactly one SP before the next argument (RFC 9051 §9 uses single spaces). */
  space(what: string): void {
    if (this.atEnd()) this.fail(`Missing ${what}`);
    if (this.buf[this.pos] !== SP) this.fail(`Expected a space before ${what}`);
    this.pos++;
    if (this.atEnd()) this.fail(`Missing ${what}`);
  }

  /** True (and the space consumed) when another argument follows. */
  moreArguments(): boolean {
    if (this.buf[this.pos] !== SP) return false;
    this.pos++;
    if (this.atEnd()) this.fail('Trailing space at the end of the command');
    return true;
  }

  end(): void {
    if (this.buf[this.pos] === SP && this.pos === this.buf.length - 1) this.fail('Trailing space at the end of the command');
    if (!this.atEnd()) this.fail('Unexpected arguments at the end of the command');
  }

  enterNesting(): void {
    if (++this.depth > this.depthMax) this.fail('Nested too deeply');
  }

  leaveNesting(): void {
    this.depth--;
  }

  private run(cls: number): string {
    const start = this.pos;
    while (this.pos < this.buf.length && (charClass[this.buf[this.pos]!]! & cls) !== 0) this.pos++;
    return this.buf.toString('latin1', start, this.pos);
  }

  /** RFC 9051 §9 tag. */
  tag(): string {
    if (this.atEnd() || this.peek() === SP) this.fail('Missing tag');
    const tag = this.run(TAG);
    if (tag === '' || (!this.atEnd() && this.peek() !== SP)) this.fail('Invalid tag');
    return tag;
  }

  /** 1*ATOM-CHAR. */
  atom(what: string): string {
    if (this.atEnd()) this.fail(`Missing ${what}`);
    const text = this.run(ATOM);
    if (text === '') this.fail(`Expected ${what}`);
    return text;
  }

  /** An atom compared case-insensitively (keywords of the grammar). */
  keyword(what: string): string {
    return this.atom(what).toUpperCase();
  }

  /** RFC 9051 §9 astring = 1*ASTRING-CHAR / string. */
  astring(what: string): string {
    const c = this.peek();
    if (c === DQUOTE || c === 0x7b) return this.string(what);
    if (c === 0x7e && this.buf[this.pos + 1] === 0x7b) this.fail('literal8 is only allowed in APPEND');
    if (this.atEnd()) this.fail(`Missing ${what}`);
    const text = this.run(ASTRING);
    if (text === '') this.fail(`Expected ${what}`);
    return text;
  }

  /** RFC 9051 §9 string = quoted / literal, decoded as UTF-8. */
  string(what: string): string {
    return this.stringBytes(what).toString('utf8');
  }

  stringBytes(what: string): Buffer {
    const c = this.peek();
    if (c === DQUOTE) return this.quoted();
    if (c === 0x7b) return this.literal(false).bytes;
    if (this.atEnd()) this.fail(`Missing ${what}`);
    return this.fail(`Expected a quoted string or literal for ${what}`);
  }

  /** nstring = string / "NIL". */
  nstring(what: string): string | null {
    if (this.peek() !== DQUOTE && this.peek() !== 0x7b) {
      if (this.atEnd()) this.fail(`Missing ${what}`);
      const text = this.run(ATOM);
      if (text.toUpperCase() === 'NIL') return null;
      this.fail(`Expected a string or NIL for ${what}`);
    }
    return this.string(what);
  }

  private quoted(): Buffer {
    const start = ++this.pos;
    let pieces: Buffer[] | null = null;
    let from = start;
    let eightBit = false;
    for (;;) {
      if (this.pos >= this.buf.length) this.fail('Unterminated quoted string');
      const c = this.buf[this.pos]!;
      if (c === DQUOTE) break;
      if (c === BACKSLASH) {
        const next = this.buf[this.pos + 1];
        // RFC 9051 §9 QUOTED-CHAR: only "\" and DQUOTE may be escaped.
        if (next !== DQUOTE && next !== BACKSLASH) this.fail('Invalid escape in quoted string');
        (pieces ??= []).push(this.buf.subarray(from, this.pos));
        from = this.pos + 1;
        this.pos += 2;
        continue;
      }
      if (c === 0x0d || c === 0x0a) this.fail('Line break in quoted string');
      if (c === 0) this.fail('NUL in quoted string');
      if (c > 0x7f) eightBit = true;
      this.pos++;
    }
    const last = this.buf.subarray(from, this.pos);
    this.pos++; // closing quote
    const bytes = pieces ? Buffer.concat([...pieces, last]) : last;
    if (eightBit) {
      // RFC 3501 §4.3: quoted strings are 7-bit; RFC 6855 §3 lifts that for UTF-8 after ENABLE.
      if (!this.options.utf8) this.fail('8-bit data in quoted string (use a literal)');
      if (!isValidUtf8(bytes)) this.fail('Invalid UTF-8 in quoted string');
    }
    return bytes;
  }

  /**
   * literal = "{" number64 ["+"] "}" CRLF *CHAR8; with `allowBinary`, also RFC 3516 literal8
   * "~{" number64 ["+"] "}" CRLF *OCTET.
   */
  literal(allowBinary: boolean): { bytes: Buffer; binary: boolean } {
    let binary = false;
    if (this.peek() === 0x7e) {
      if (!allowBinary) this.fail('literal8 is only allowed in APPEND');
      binary = true;
      this.pos++;
    }
    this.expectByte(0x7b, 'literal');
    const digitsStart = this.pos;
    while (this.pos < this.buf.length && this.buf[this.pos]! >= 0x30 && this.buf[this.pos]! <= 0x39) this.pos++;
    const digits = this.buf.toString('latin1', digitsStart, this.pos);
    if (digits === '' || digits.length > 15) this.fail('Invalid literal size');
    this.skipByte(0x2b); // "+": RFC 7888 non-synchronising literal
    if (!this.skipByte(0x7d)) this.fail('Invalid literal size');
    if (this.buf[this.pos] !== 0x0d || this.buf[this.pos + 1] !== 0x0a) this.fail('Expected CRLF after literal size');
    this.pos += 2;
    const size = Number(digits);
    if (this.pos + size > this.buf.length) this.fail('Literal data is shorter than its size');
    const bytes = this.buf.subarray(this.pos, this.pos + size);
    this.pos += size;
    // RFC 9051 §9 CHAR8 = %x01-ff: NUL only in literal8.
    if (!binary && bytes.indexOf(0) !== -1) this.fail('NUL in literal (use literal8)');
    return { bytes, binary };
  }

  /** number (RFC 9051 §9): unsigned 32-bit. */
  number(what: string, max = maxNumber32): number {
    if (this.atEnd()) this.fail(`Missing ${what}`);
    const start = this.pos;
    while (this.pos < this.buf.length && this.buf[this.pos]! >= 0x30 && this.buf[this.pos]! <= 0x39) this.pos++;
    if (this.pos === start) this.fail(`Expected a number for ${what}`);
    if (this.pos - start > 20) this.fail(`${capitalise(what)} is too large`);
    const value = Number(this.buf.toString('latin1', start, this.pos));
    if (value > max) this.fail(`${capitalise(what)} is too large`);
    return value;
  }

  nzNumber(what: string): number {
    const value = this.number(what);
    if (value === 0) this.fail(`${capitalise(what)} must not be zero`);
    return value;
  }

  /**
   * mod-sequence-value (RFC 7162 §7): up to 2^63-1. Our own mod-sequences stay below 2^53, so a
   * larger client value (from another server) is kept as the nearest double: it still compares
   * above every mod-sequence we have, which is all CHANGEDSINCE/UNCHANGEDSINCE/QRESYNC need.
   */
  modSeq(what: string): number {
    if (this.atEnd()) this.fail(`Missing ${what}`);
    const start = this.pos;
    while (this.pos < this.buf.length && this.buf[this.pos]! >= 0x30 && this.buf[this.pos]! <= 0x39) this.pos++;
    if (this.pos === start) this.fail(`Expected a number for ${what}`);
    const digits = this.buf.toString('latin1', start, this.pos);
    if (digits.length > 19 || BigInt(digits) > 0x7fffffffffffffffn) this.fail(`${capitalise(what)} is too large`);
    return Number(digits);
  }

  /** sequence-set (RFC 9051 §9) or "$" (RFC 5182 §2.1). */
  sequenceSet(numbering: NumberKind): SequenceSet {
    if (this.atEnd()) this.fail('Missing sequence set');
    if (this.peek() === 0x24) {
      this.pos++;
      return { kind: 'saved', numbering };
    }
    const ranges: SeqRange[] = [];
    for (;;) {
      const start = this.seqNumber();
      let end = start;
      if (this.skipByte(0x3a)) end = this.seqNumber();
      ranges.push({ start, end });
      if (!this.skipByte(0x2c)) break;
    }
    const c = this.peek();
    if (c !== -1 && c !== SP && c !== 0x29) this.fail('Invalid sequence set');
    return numbering === 'uid' ? { kind: 'uid', ranges } : { kind: 'seq', ranges };
  }

  private seqNumber(): SeqNumber {
    if (this.skipByte(0x2a)) return '*';
    const c = this.peek();
    if (c < 0x30 || c > 0x39) this.fail('Invalid sequence set');
    const n = this.number('sequence number');
    if (n === 0) this.fail('Invalid sequence set: 0 is not a message number');
    return n;
  }

  /** "(" [item *(SP item)] ")" with items read by `item`. */
  list<T>(what: string, item: () => T): T[] {
    this.expectByte(0x28, `"(" to start ${what}`);
    this.enterNesting();
    const items: T[] = [];
    if (!this.skipByte(0x29)) {
      for (;;) {
        items.push(item());
        if (this.skipByte(0x29)) break;
        if (this.atEnd()) this.fail(`Missing ")" to end ${what}`);
        if (!this.skipByte(SP)) this.fail(`Expected a space or ")" in ${what}`);
      }
    }
    this.leaveNesting();
    return items;
  }

  /**
   * flag (RFC 9051 §9): a system flag (case normalised), "\" atom (flag-extension) or a keyword.
   * `allowRecent`: \Recent exists only for FETCH and SEARCH, clients cannot set it (RFC 3501 §2.3.2).
   */
  flag(allowRecent = false): string {
    if (this.skipByte(BACKSLASH)) {
      const name = this.atom('flag name');
      const flag = `\\${name}`;
      const lower = flag.toLowerCase();
      const system = systemFlags.find((f) => f.toLowerCase() === lower);
      if (system === '\\Recent' && !allowRecent) this.fail('\\Recent cannot be set by a client');
      return system ?? flag;
    }
    return this.atom('flag');
  }

  flagList(): string[] {
    return this.list('flag list', () => this.flag());
  }

  /** mailbox = "INBOX" / astring; INBOX is case-insensitive (RFC 9051 §5.1). */
  mailbox(what = 'mailbox name'): string {
    const name = this.astring(what);
    return name.toUpperCase() === 'INBOX' ? 'INBOX' : name;
  }

  /** list-mailbox = 1*list-char / string (RFC 9051 §9). */
  listMailbox(what: string): string {
    const c = this.peek();
    if (c === DQUOTE || c === 0x7b) return this.string(what);
    if (this.atEnd()) this.fail(`Missing ${what}`);
    const text = this.run(LIST);
    if (text === '') this.fail(`Expected ${what}`);
    return text;
  }

  /** date = date-text / DQUOTE date-text DQUOTE. */
  date(what: string): ImapDate {
    const quoted = this.peek() === DQUOTE;
    const text = quoted ? this.quoted().toString('latin1') : this.atom(what);
    const date = parseDateText(text);
    if (date === null) this.fail(`Invalid date for ${what}: expected e.g. 1-Feb-2024`);
    return date;
  }

  /** date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE. */
  dateTime(what: string): ImapDateTime {
    if (this.peek() !== DQUOTE) this.fail(`Expected a quoted date-time for ${what}`);
    const text = this.quoted().toString('latin1');
    const dateTime = parseDateTimeText(text);
    if (dateTime === null) this.fail(`Invalid date-time for ${what}: expected e.g. "01-Feb-2024 13:05:00 +0100"`);
    return dateTime;
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
