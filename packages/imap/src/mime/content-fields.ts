/**
 * Parsers for the MIME Content-* header fields (RFC 2045 §5, §6; RFC 2183; RFC 3282) and their
 * parameters, including RFC 2231 continuations. Values are latin1 strings (one char per byte).
 *
 * Parameter names and values are kept as written (case included): BODYSTRUCTURE reports them, and
 * clients compare names case-insensitively themselves (RFC 2045 §5.1).
 */
import { Lex, Rfc822Lexer } from './rfc822-lexer.js';

export interface MimeParameter {
  readonly name: string;
  readonly value: string;
}

export interface ContentType {
  /** As written, e.g. "TEXT" (RFC 2045 §5.1: matching is case-insensitive). */
  readonly type: string;
  readonly subtype: string;
  readonly params: readonly MimeParameter[];
}

export interface ContentDisposition {
  readonly disposition: string;
  readonly params: readonly MimeParameter[];
}

/**
 * RFC 2045 §5.1 Content-Type. Returns null when the type/subtype is not there; RFC 2045 §5.2 then
 * says to treat the part as text/plain; charset=us-ascii.
 */
export function parseContentType(value: string): ContentType | null {
  const lex = new Rfc822Lexer(value);
  if (lex.skipCfws() !== Lex.More) return null;
  const type: [string] = [''];
  if (lex.mimeToken(type) !== Lex.More || type[0] === '') return null;
  if (lex.peek() !== 0x2f) return null;
  lex.pos++;
  if (lex.skipCfws() !== Lex.More) return null;
  const subtype: [string] = [''];
  const r = lex.mimeToken(subtype);
  if (subtype[0] === '' || r === Lex.Error) return null;
  return { type: type[0], subtype: subtype[0], params: parseMimeParameters(lex) };
}

/** RFC 2183 Content-Disposition, or null when there is no disposition type. */
export function parseContentDisposition(value: string): ContentDisposition | null {
  const lex = new Rfc822Lexer(value);
  lex.skipCfws();
  const disposition: [string] = [''];
  if (lex.mimeToken(disposition) === Lex.Error) return null;
  return { disposition: disposition[0], params: parseMimeParameters(lex) };
}

/** RFC 2045 §6.1 Content-Transfer-Encoding mechanism, or null when the value is not one token. */
export function parseTransferEncoding(value: string): string | null {
  const lex = new Rfc822Lexer(value);
  lex.skipCfws();
  const token: [string] = [''];
  const r = lex.mimeToken(token);
  if (r !== Lex.End || token[0] === '') return null;
  return token[0];
}

/** RFC 3282 Content-Language: a list of language tags. */
export function parseContentLanguage(value: string): string[] {
  const lex = new Rfc822Lexer(value);
  const tags: string[] = [];
  lex.skipCfws();
  for (;;) {
    const tag: [string] = [''];
    const r = lex.atom(tag);
    if (r === Lex.Error) break;
    tags.push(tag[0]);
    if (lex.atEnd() || lex.peek() !== 0x2c) break;
    lex.pos++;
    lex.skipCfws();
  }
  return tags;
}

interface SplitParameter {
  readonly name: string;
  readonly index: number;
  readonly extended: boolean;
  readonly value: string;
}

/**
 * `*(";" parameter)` after the type (RFC 2045 §5.1). Broken parameters are skipped up to the next
 * ";". RFC 2231 §3/§4 pieces (`name*0`, `name*1*`, `name*`) are joined into one `name` or `name*`
 * parameter (still percent-encoded, charset'language' kept), after the plain ones.
 */
export function parseMimeParameters(lex: Rfc822Lexer): MimeParameter[] {
  const plain: MimeParameter[] = [];
  const split: SplitParameter[] = [];
  while (!lex.atEnd()) {
    const before = lex.pos;
    const param = parseParameter(lex);
    if (param === null) {
      if (lex.pos === before) lex.pos++; // skip one byte and look for the next ";"
      continue;
    }
    const piece = splitRfc2231(param);
    if (piece) split.push(piece);
    else plain.push(param);
  }
  return split.length === 0 ? plain : plain.concat(joinRfc2231(split));
}

function parseParameter(lex: Rfc822Lexer): MimeParameter | null {
  if (lex.peek() !== 0x3b) return null;
  lex.pos++;
  if (lex.skipCfws() !== Lex.More) return null;
  const name: [string] = [''];
  if (lex.mimeToken(name) !== Lex.More || lex.peek() !== 0x3d) return null;
  lex.pos++;
  const value: [string] = [''];
  const r = lex.skipCfws();
  if (r === Lex.More) {
    const c = lex.peek();
    if (c === 0x22) {
      if (lex.quotedString(value) === Lex.Error) return null;
    } else if (c === 0x3d) {
      // Broken but common: name==?utf-8?b?...?= (an unquoted encoded word); take it up to ";" or space.
      const start = lex.pos;
      while (!lex.atEnd() && !isParamStop(lex.peek())) lex.pos++;
      value[0] = lex.text.slice(start, lex.pos);
    } else if (lex.mimeToken(value) === Lex.Error) {
      return null;
    }
  } else if (r === Lex.Error) {
    return null;
  }
  return { name: name[0], value: value[0] };
}

function isParamStop(c: number): boolean {
  return c === 0x3b || c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

function splitRfc2231(param: MimeParameter): SplitParameter | null {
  const star = param.name.indexOf('*');
  if (star === -1) return null;
  let p = star + 1;
  let index = 0;
  while (p < param.name.length) {
    const c = param.name.charCodeAt(p);
    if (c < 0x30 || c > 0x39) break;
    index = index * 10 + (c - 0x30);
    if (index > 1_000_000) return null;
    p++;
  }
  let extended = false;
  if (param.name.charCodeAt(p) === 0x2a) { extended = true; p++; }
  if (p !== param.name.length) return null; // "name*x": not RFC 2231
  if (p === star + 1) return null; // "name" followed by nothing: impossible, star found
  return { name: param.name.slice(0, star), index, extended, value: param.value };
}

function joinRfc2231(pieces: SplitParameter[]): MimeParameter[] {
  const sorted = pieces.slice().sort((a, b) => {
    const ka = a.name.toLowerCase();
    const kb = b.name.toLowerCase();
    return ka < kb ? -1 : ka > kb ? 1 : a.index - b.index;
  });
  const out: MimeParameter[] = [];
  for (let i = 0; i < sorted.length;) {
    const key = sorted[i]!.name.toLowerCase();
    let j = i;
    let complete = true;
    let anyExtended = false;
    for (; j < sorted.length && sorted[j]!.name.toLowerCase() === key; j++) {
      if (sorted[j]!.index !== j - i) complete = false;
      if (sorted[j]!.extended) anyExtended = true;
    }
    const group = sorted.slice(i, j);
    if (!complete) {
      // RFC 2231 §3: with a piece missing the value cannot be rebuilt; report the pieces as they are.
      for (const piece of group) {
        out.push({ name: `${piece.name}*${piece.index}${piece.extended ? '*' : ''}`, value: piece.value });
      }
    } else {
      // RFC 2231 §4.1: only extended pieces are percent-encoded, so plain pieces get "%" escaped.
      let value = !group[0]!.extended && anyExtended ? "''" : '';
      for (const piece of group) {
        value += !piece.extended && anyExtended ? piece.value.replace(/%/g, '%25') : piece.value;
      }
      out.push({ name: anyExtended ? `${group[0]!.name}*` : group[0]!.name, value });
    }
    i = j;
  }
  return out;
}

/** Value of the first parameter with this name (case-insensitive), or undefined. */
export function parameterValue(params: readonly MimeParameter[], lowerName: string): string | undefined {
  for (const p of params) if (p.name.toLowerCase() === lowerName) return p.value;
  return undefined;
}
