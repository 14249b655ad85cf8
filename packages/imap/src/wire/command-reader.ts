/**
 * Frames the client's byte stream into complete commands (RFC 9051 §2.2.1, §4.3): a command is a
 * line, or several lines joined by literals ("{n}" CRLF n octets). For a synchronising literal the
 * reader stops and reports `continue` so the session can send "+ ..." (RFC 9051 §7.5) before the
 * client sends the data; non-synchronising literals "{n+}" (RFC 7888) and literal8 "~{n}"
 * (RFC 3516) are read straight on.
 *
 * Limits (limits.imap*): a line longer than lineBytesMax, a literal or command larger than allowed,
 * too many literals. Over a limit the reader reports an error and skips the rest of that command
 * by itself, without buffering it, so the next command is read correctly; only a literal whose
 * size cannot even be read is fatal (the stream cannot be resynchronised).
 *
 * Pure: no sockets or timers. The session pushes chunks and pulls events; `bufferedBytes` tells it
 * when to pause reading (pipelined input is kept until it is pulled).
 */
import { limits } from '@tandem/config';
import { ImapParseError } from './parse-error.js';
import { readTag } from './parse-command.js';

export interface CommandReaderOptions {
  lineBytesMax?: number;
  literalBytesMax?: number;
  commandBytesMax?: number;
  literalsMax?: number;
  /**
   * Largest non-synchronising literal: 4096 when only LITERAL- is advertised (RFC 7888 §4),
   * literalBytesMax with LITERAL+.
   */
  nonSyncLiteralBytesMax?: number;
}

export type ReaderEvent =
  /** A complete command (without its final CRLF), for parseCommand(). */
  | { readonly type: 'command'; readonly bytes: Buffer }
  /**
   * A synchronising literal of `literalBytes` was announced: send a continuation request and call
   * next() again, or refuse it (tagged NO/BAD) and call discardCommand().
   */
  | { readonly type: 'continue'; readonly tag: string | null; readonly literalBytes: number }
  /** Input that cannot be a command; answer it. Unless `fatal`, reading goes on. */
  | { readonly type: 'error'; readonly error: ImapParseError };

export type LineEvent =
  | { readonly type: 'line'; readonly line: Buffer }
  | { readonly type: 'error'; readonly error: ImapParseError };

type State =
  | { readonly kind: 'line' }
  | { kind: 'literal'; remaining: number }
  /** Skipping a command that was refused: `remaining` literal bytes, then its further lines. */
  | { kind: 'skip-literal'; remaining: number }
  | { readonly kind: 'skip-lines' }
  /** Skipping the rest of an over-long line; `tail` keeps its last bytes to spot a literal. */
  | { kind: 'skip-long-line'; tail: Buffer; thenSkipCommand: boolean };

const LF = 0x0a;
const CR = 0x0d;
const emptyBuffer = Buffer.alloc(0);

interface LiteralMarker {
  readonly size: number;
  readonly synchronising: boolean;
  /** The size had too many digits to be read. */
  readonly unreadable: boolean;
}

/** A literal announcement at the end of a line: "{n}", "{n+}", "~{n}", "~{n+}" (line ending excluded). */
export function literalMarkerAt(line: Buffer, end: number): LiteralMarker | null {
  if (end < 3 || line[end - 1] !== 0x7d) return null;
  let p = end - 2;
  const synchronising = line[p] !== 0x2b;
  if (!synchronising) p--;
  const digitsEnd = p + 1;
  while (p >= 0 && line[p]! >= 0x30 && line[p]! <= 0x39) p--;
  if (p < 0 || line[p] !== 0x7b || p + 1 === digitsEnd) return null;
  const digits = digitsEnd - (p + 1);
  if (digits > 15) return { size: 0, synchronising, unreadable: true };
  return { size: Number(line.toString('latin1', p + 1, digitsEnd)), synchronising, unreadable: false };
}

export class CommandReader {
  // Received bytes not handed out yet, as the chunks they came in: literal data is taken chunk by
  // chunk, so a large literal is never re-copied while it arrives; line scanning merges first.
  private chunks: Buffer[] = [];
  private chunksBytes = 0;
  private state: State = { kind: 'line' };
  private parts: Buffer[] = [];
  private commandBytes = 0;
  private literals = 0;
  private tag: string | null = null;
  private readonly lineBytesMax: number;
  private readonly literalBytesMax: number;
  private readonly commandBytesMax: number;
  private readonly literalsMax: number;
  private readonly nonSyncLiteralBytesMax: number;

  constructor(options: CommandReaderOptions = {}) {
    this.lineBytesMax = options.lineBytesMax ?? limits.imapLineBytesMax;
    this.literalBytesMax = options.literalBytesMax ?? limits.imapLiteralBytesMax;
    this.commandBytesMax = options.commandBytesMax ?? limits.imapCommandBytesMax;
    this.literalsMax = options.literalsMax ?? limits.imapCommandLiteralsMax;
    this.nonSyncLiteralBytesMax = options.nonSyncLiteralBytesMax ?? this.literalBytesMax;
  }

  /** Bytes received and not yet handed out (for flow control). */
  get bufferedBytes(): number {
    return this.chunksBytes;
  }

  private get pending(): Buffer {
    if (this.chunks.length === 0) return emptyBuffer;
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.chunksBytes)];
    return this.chunks[0]!;
  }

  private set pending(rest: Buffer) {
    this.chunks = rest.length === 0 ? [] : [rest];
    this.chunksBytes = rest.length;
  }

  /** True while a command has started but is not complete. */
  get inCommand(): boolean {
    return this.parts.length > 0 || this.state.kind !== 'line';
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.chunksBytes += chunk.length;
  }

  /** The next event, or null when more input is needed. */
  next(): ReaderEvent | null {
    for (;;) {
      const state = this.state;
      if (state.kind === 'literal' || state.kind === 'skip-literal') {
        this.takeLiteralBytes(state);
        if (state.remaining > 0) return null;
        this.state = state.kind === 'literal' ? { kind: 'line' } : { kind: 'skip-lines' };
        continue;
      }
      if (state.kind === 'skip-long-line') {
        if (!this.skipLongLine(state)) return null;
        continue;
      }
      const lf = this.pending.indexOf(LF);
      if (lf === -1) {
        if (this.pending.length > this.lineBytesMax) return this.lineTooLong();
        return null;
      }
      const line = this.pending.subarray(0, lf + 1);
      this.pending = this.pending.subarray(lf + 1);
      const event = state.kind === 'skip-lines' ? this.skipLine(line) : this.takeLine(line);
      if (event) return event;
    }
  }

  private takeLiteralBytes(state: { kind: 'literal' | 'skip-literal'; remaining: number }): void {
    while (state.remaining > 0 && this.chunks.length > 0) {
      const chunk = this.chunks[0]!;
      const take = Math.min(state.remaining, chunk.length);
      if (state.kind === 'literal') this.parts.push(take === chunk.length ? chunk : chunk.subarray(0, take));
      if (take === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(take);
      this.chunksBytes -= take;
      state.remaining -= take;
    }
  }

  /** Drops the command in progress (after refusing a synchronising literal). */
  discardCommand(): void {
    this.resetCommand();
    this.state = { kind: 'line' };
  }

  /**
   * The next raw line (without its line break), for AUTHENTICATE responses (RFC 9051 §6.2.2) and
   * IDLE's "DONE" (RFC 2177). Only valid between commands.
   */
  nextLine(): LineEvent | null {
    const state = this.state;
    if (state.kind === 'skip-long-line') {
      // Still dropping the rest of an over-long line reported before.
      if (!this.skipLongLine(state)) return null;
    }
    if (this.inCommand) throw new Error('CommandReader.nextLine() called inside a command');
    const lf = this.pending.indexOf(LF);
    if (lf === -1) {
      if (this.pending.length <= this.lineBytesMax) return null;
      this.state = { kind: 'skip-long-line', tail: emptyBuffer, thenSkipCommand: false };
      this.pending = emptyBuffer;
      return { type: 'error', error: new ImapParseError('Line too long') };
    }
    const end = lf > 0 && this.pending[lf - 1] === CR ? lf - 1 : lf;
    const line = this.pending.subarray(0, end);
    this.pending = this.pending.subarray(lf + 1);
    if (line.length > this.lineBytesMax) return { type: 'error', error: new ImapParseError('Line too long') };
    return { type: 'line', line };
  }

  private takeLine(line: Buffer): ReaderEvent | null {
    const end = line.length >= 2 && line[line.length - 2] === CR ? line.length - 2 : line.length - 1;
    // An empty line between commands carries nothing; clients typing by hand send them.
    if (this.parts.length === 0 && end === 0) return null;
    if (this.parts.length === 0) this.tag = readTag(line.subarray(0, end));
    if (end > this.lineBytesMax) {
      const marker = literalMarkerAt(line, end);
      return this.refuse(new ImapParseError('Line too long', this.tag), marker);
    }
    const marker = literalMarkerAt(line, end);
    if (marker === null) {
      this.parts.push(line.subarray(0, end));
      const bytes = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
      this.resetCommand();
      return { type: 'command', bytes };
    }
    this.commandBytes += end + 2 + marker.size;
    this.literals++;
    const refusal = this.checkLiteral(marker);
    if (refusal) return this.refuse(refusal, marker);
    // The literal's line always ends in CRLF for the parser, even if the client sent a bare LF.
    this.parts.push(end === line.length - 2 ? line : Buffer.concat([line.subarray(0, end), Buffer.from('\r\n')]));
    this.state = { kind: 'literal', remaining: marker.size };
    if (marker.synchronising) return { type: 'continue', tag: this.tag, literalBytes: marker.size };
    return null;
  }

  private checkLiteral(marker: LiteralMarker): ImapParseError | null {
    if (marker.unreadable) {
      // The size cannot be read, so neither can the literal be skipped.
      return new ImapParseError('Literal size too large', this.tag, 'TOOBIG', 'BAD', !marker.synchronising);
    }
    if (this.literals > this.literalsMax) return new ImapParseError('Too many literals in one command', this.tag);
    // Refused before "+" (a synchronising literal): the command was well formed, only too big for this
    // server, so NO [TOOBIG] (RFC 9051 §7.1, RFC 7889; Dovecot and WildDuck answer the same). A
    // non-synchronising one was sent without asking: BAD, as RFC 7888 §4 has it for LITERAL-.
    const refusal = marker.synchronising ? 'NO' : 'BAD';
    if (marker.size > this.literalBytesMax) {
      return new ImapParseError(`Literal too large (at most ${this.literalBytesMax} octets)`, this.tag, 'TOOBIG', refusal);
    }
    if (this.commandBytes > this.commandBytesMax) {
      return new ImapParseError(`Command too large (at most ${this.commandBytesMax} octets)`, this.tag, 'TOOBIG', refusal);
    }
    if (!marker.synchronising && marker.size > this.nonSyncLiteralBytesMax) {
      // RFC 7888 §4 (LITERAL-): a larger non-synchronising literal is refused with [TOOBIG].
      return new ImapParseError(`Non-synchronizing literal too large (at most ${this.nonSyncLiteralBytesMax} octets)`, this.tag, 'TOOBIG');
    }
    return null;
  }

  /**
   * Ends the command with an error. A synchronising literal was never invited, so nothing more of
   * this command will come; a non-synchronising one is on its way and is skipped with the rest.
   */
  private refuse(error: ImapParseError, marker: LiteralMarker | null): ReaderEvent {
    this.resetCommand();
    if (marker && !marker.synchronising && !marker.unreadable) this.state = { kind: 'skip-literal', remaining: marker.size };
    else this.state = { kind: 'line' };
    return { type: 'error', error };
  }

  /** A line of a refused command: skip it, and its literal if it announces a non-synchronising one. */
  private skipLine(line: Buffer): ReaderEvent | null {
    const end = line.length >= 2 && line[line.length - 2] === CR ? line.length - 2 : line.length - 1;
    const marker = literalMarkerAt(line, end);
    if (marker && !marker.synchronising) {
      if (marker.unreadable) return this.fatalSkip();
      this.state = { kind: 'skip-literal', remaining: marker.size };
    } else {
      this.state = { kind: 'line' }; // the command is over (a synchronising literal is never invited)
    }
    return null;
  }

  private lineTooLong(): ReaderEvent {
    const tag = this.parts.length === 0 ? readTag(firstToken(this.pending)) : this.tag;
    const tail = this.pending.subarray(Math.max(0, this.pending.length - 24));
    this.pending = emptyBuffer;
    this.resetCommand();
    this.state = { kind: 'skip-long-line', tail: Buffer.from(tail), thenSkipCommand: true };
    return { type: 'error', error: new ImapParseError('Line too long', tag) };
  }

  /** Drops input up to the end of the over-long line; true when that end was reached. */
  private skipLongLine(state: { kind: 'skip-long-line'; tail: Buffer; thenSkipCommand: boolean }): boolean {
    const lf = this.pending.indexOf(LF);
    const upTo = lf === -1 ? this.pending.length : lf;
    state.tail = Buffer.concat([state.tail, this.pending.subarray(Math.max(0, upTo - 24), upTo)]).subarray(-24);
    if (lf === -1) {
      this.pending = emptyBuffer;
      return false;
    }
    this.pending = this.pending.subarray(lf + 1);
    const end = state.tail.length > 0 && state.tail[state.tail.length - 1] === CR ? state.tail.length - 1 : state.tail.length;
    const marker = state.thenSkipCommand ? literalMarkerAt(state.tail, end) : null;
    if (marker && !marker.synchronising && !marker.unreadable) this.state = { kind: 'skip-literal', remaining: marker.size };
    else this.state = { kind: 'line' };
    return true;
  }

  private fatalSkip(): ReaderEvent {
    this.resetCommand();
    this.state = { kind: 'line' };
    return { type: 'error', error: new ImapParseError('Literal size too large', null, 'TOOBIG', 'BAD', true) };
  }

  private resetCommand(): void {
    this.parts = [];
    this.commandBytes = 0;
    this.literals = 0;
  }
}

/** The bytes up to the first space (enough to read a tag from a line that is too long). */
function firstToken(data: Buffer): Buffer {
  const sp = data.indexOf(0x20);
  return data.subarray(0, sp === -1 ? Math.min(data.length, 64) : sp);
}
