/**
 * A forgiving RFC 5322 / RFC 2045 lexer over one header value. The value is a latin1 string (one
 * char per message byte), so 8-bit bytes pass through untouched.
 *
 * Every step returns a LexResult: Error (-1, broken input), End (0, nothing left) or More (1, input
 * remains); callers use it to recover from broken headers the way deployed servers do (Dovecot's
 * lib-mail behaves the same way, which keeps ENVELOPE and BODYSTRUCTURE of broken messages
 * identical to what clients already see there).
 *
 * Every loop advances `pos`, so no input makes it spin; nothing here backtracks more than once.
 */

export const enum Lex {
  Error = -1,
  End = 0,
  More = 1,
}

// RFC 5322 §3.2.3 atext: ALPHA DIGIT and "!#$%&'*+-/=?^_`{|}~"; 8-bit bytes count as atext
// (RFC 6532 §3.2 allows UTF-8 there, and legacy 8-bit headers are common).
const ATEXT = 1;
// RFC 2045 §5.1: a MIME token is atext without tspecials "/", "?", "=" but with ".".
const TOKEN = 2;
const charClass = new Uint8Array(256);
(() => {
  const atextSpecials = "!#$%&'*+-/=?^_`{|}~";
  for (let c = 0; c < 256; c++) {
    const isAlnum = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
    const ch = String.fromCharCode(c);
    let cls = 0;
    if (isAlnum || c >= 0x80 || atextSpecials.includes(ch)) cls |= ATEXT;
    if ((cls & ATEXT) !== 0 && ch !== '/' && ch !== '?' && ch !== '=') cls |= TOKEN;
    if (ch === '.') cls |= TOKEN;
    charClass[c] = cls;
  }
})();

export function isAtext(c: number): boolean {
  return (charClass[c & 0xff]! & ATEXT) !== 0 && c < 0x100;
}

function isToken(c: number): boolean {
  return (charClass[c & 0xff]! & TOKEN) !== 0 && c < 0x100;
}

export class Rfc822Lexer {
  pos = 0;
  /** Text of the last comment skipped (RFC 5322 §3.4: a comment after an addr-spec names it). */
  lastComment = '';
  private recordComments = false;

  constructor(readonly text: string, readonly end = text.length) {}

  atEnd(): boolean {
    return this.pos >= this.end;
  }

  peek(): number {
    return this.pos < this.end ? this.text.charCodeAt(this.pos) : -1;
  }

  startRecordingComments(): void {
    this.recordComments = true;
    this.lastComment = '';
  }

  /** Skips folding white space and comments (RFC 5322 §3.2.2 CFWS). */
  skipCfws(): Lex {
    while (this.pos < this.end) {
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) {
        this.pos++;
      } else if (c === 0x28) {
        if (this.skipComment() === Lex.Error) return Lex.Error;
      } else {
        break;
      }
    }
    return this.pos < this.end ? Lex.More : Lex.End;
  }

  private skipComment(): Lex {
    let level = 1;
    let comment = '';
    let start = ++this.pos;
    for (; this.pos < this.end; this.pos++) {
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x28) {
        level++;
      } else if (c === 0x29) {
        if (--level === 0) {
          if (this.recordComments) this.lastComment = comment + this.text.slice(start, this.pos);
          this.pos++;
          return this.pos < this.end ? Lex.More : Lex.End;
        }
      } else if (c === 0x5c) {
        comment += this.text.slice(start, this.pos);
        start = this.pos + 1;
        this.pos++;
        if (this.pos >= this.end) return Lex.Error;
      }
    }
    return Lex.Error; // no closing ")"
  }

  /** RFC 5322 §3.2.3 atom; the text is appended to `out[0]`. */
  atom(out: [string]): Lex {
    const start = this.pos;
    if (start >= this.end || !isAtext(this.text.charCodeAt(start))) return Lex.Error;
    while (this.pos < this.end && isAtext(this.text.charCodeAt(this.pos))) this.pos++;
    out[0] += this.text.slice(start, this.pos);
    return this.pos < this.end ? this.skipCfws() : Lex.End;
  }

  /** RFC 5322 §3.2.3 dot-atom, allowing CFWS around the dots (RFC 822 obs-local-part / obs-domain). */
  dotAtom(out: [string]): Lex {
    if (this.pos >= this.end || !isAtext(this.text.charCodeAt(this.pos))) return Lex.Error;
    for (;;) {
      const start = this.pos;
      while (this.pos < this.end && isAtext(this.text.charCodeAt(this.pos))) this.pos++;
      out[0] += this.text.slice(start, this.pos);
      if (this.pos >= this.end) return Lex.End;
      const r = this.skipCfws();
      if (r !== Lex.More) return r;
      if (this.text.charCodeAt(this.pos) !== 0x2e) return Lex.More;
      this.pos++;
      out[0] += '.';
      const r2 = this.skipCfws();
      if (r2 !== Lex.More) return r2;
    }
  }

  /** RFC 2045 §5.1 token (may be empty; the caller checks). */
  mimeToken(out: [string]): Lex {
    const start = this.pos;
    while (this.pos < this.end && isToken(this.text.charCodeAt(this.pos))) this.pos++;
    out[0] += this.text.slice(start, this.pos);
    return this.pos < this.end ? this.skipCfws() : Lex.End;
  }

  /** RFC 5322 §3.2.4 quoted-string: unescaped, with folding line breaks removed. */
  quotedString(out: [string]): Lex {
    let start = ++this.pos; // past the opening quote
    let value = '';
    for (; this.pos < this.end; this.pos++) {
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x22) {
        out[0] += value + this.text.slice(start, this.pos);
        this.pos++;
        return this.pos < this.end ? this.skipCfws() : Lex.End;
      }
      if (c === 0x0a) {
        // RFC 5322 §3.2.2: unfolding removes the CRLF, the white space after it stays.
        let len = this.pos - start;
        if (len > 0 && this.text.charCodeAt(this.pos - 1) === 0x0d) len--;
        value += this.text.slice(start, start + len);
        start = this.pos + 1;
      } else if (c === 0x5c) {
        value += this.text.slice(start, this.pos);
        this.pos++;
        if (this.pos >= this.end) return Lex.Error;
        start = this.pos;
      }
    }
    return Lex.Error; // no closing quote
  }

  /** Atom that may contain dots (obs-phrase), without skipping white space inside it. */
  private atomOrDot(out: [string]): Lex {
    const start = this.pos;
    while (this.pos < this.end) {
      const c = this.text.charCodeAt(this.pos);
      if (!isAtext(c) && c !== 0x2e) break;
      this.pos++;
    }
    out[0] += this.text.slice(start, this.pos);
    return this.pos < this.end ? this.skipCfws() : Lex.End;
  }

  /**
   * RFC 5322 §3.2.5 phrase (and obs-phrase): words joined by one space. Encoded words (RFC 2047)
   * are left as they are. An empty phrase before "<" is allowed (`<addr>` without a name).
   */
  phrase(out: [string]): Lex {
    if (this.pos >= this.end) return Lex.End;
    if (this.text.charCodeAt(this.pos) === 0x2e) return Lex.Error;
    for (;;) {
      const before = this.pos;
      const r = this.text.charCodeAt(this.pos) === 0x22 ? this.quotedString(out) : this.atomOrDot(out);
      if (r !== Lex.More) return r;
      const c = this.text.charCodeAt(this.pos);
      if (!isAtext(c) && c !== 0x22 && c !== 0x2e) break;
      if (this.pos === before) break; // defensive: a word must consume input
      out[0] += ' ';
    }
    return this.skipCfws();
  }

  /** RFC 5322 §3.4.1 domain after "@": dot-atom or domain-literal. */
  domain(out: [string]): Lex {
    this.pos++; // "@"
    if (this.skipCfws() !== Lex.More) return Lex.Error;
    if (this.text.charCodeAt(this.pos) === 0x5b) return this.domainLiteral(out);
    return this.dotAtom(out);
  }

  private domainLiteral(out: [string]): Lex {
    const start = this.pos;
    for (; this.pos < this.end; this.pos++) {
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x5c) {
        this.pos++;
        if (this.pos >= this.end) break;
      } else if (c === 0x5d) {
        this.pos++;
        out[0] += this.text.slice(start, this.pos);
        return this.pos < this.end ? this.skipCfws() : Lex.End;
      }
    }
    return Lex.Error; // no closing "]"
  }
}
