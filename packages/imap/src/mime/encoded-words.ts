/**
 * Decoding of header text for SEARCH and SORT: RFC 2047 encoded words (`=?charset?B|Q?text?=`) and
 * raw 8-bit bytes (UTF-8 per RFC 6532, else taken as latin1). ENVELOPE never goes through here: it
 * reports headers undecoded.
 *
 * Adjacent encoded words separated only by white space are joined (RFC 2047 §6.2), and words in
 * the same charset are decoded together so a character split across two words survives.
 * Charsets are decoded with the runtime's TextDecoder (WHATWG encodings); an unknown charset
 * leaves the word as it is.
 */
import { isValidUtf8 } from '../wire/value-encoder.js';

// Linear: every class is negated and bounded by "?", so there is no backtracking.
const encodedWordRe = /=\?([^?\s]{1,64})\?([BbQq])\?([^?\s]*)\?=/g;

interface DecodedRun {
  charset: string;
  bytes: number[];
}

/** Decodes a latin1 header value (one char per byte) to text. */
export function decodeHeaderText(value: string): string {
  let out = '';
  let last = 0;
  const state: { run: DecodedRun | null } = { run: null };
  const flush = (): void => {
    if (state.run) out += decodeCharset(state.run.charset, Uint8Array.from(state.run.bytes));
    state.run = null;
  };
  encodedWordRe.lastIndex = 0;
  for (let m = encodedWordRe.exec(value); m !== null; m = encodedWordRe.exec(value)) {
    const gap = value.slice(last, m.index);
    const charset = m[1]!.replace(/\*.*$/, '').toLowerCase(); // RFC 2231 §5: charset*language
    last = m.index + m[0].length;
    if (!isSupportedCharset(charset)) {
      flush();
      out += rawText(gap) + m[0];
      continue;
    }
    // RFC 2047 §6.2: white space between two encoded words is not displayed.
    if (!(state.run && isBlank(gap))) {
      flush();
      out += rawText(gap);
    }
    const bytes = m[2]!.toUpperCase() === 'B' ? base64Bytes(m[3]!) : qBytes(m[3]!);
    if (state.run && state.run.charset === charset) {
      for (const b of bytes) state.run.bytes.push(b);
    } else {
      flush();
      state.run = { charset, bytes: Array.from(bytes) };
    }
  }
  flush();
  return out + rawText(value.slice(last));
}

function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) return false;
  }
  return true;
}

function rawText(latin1: string): string {
  for (let i = 0; i < latin1.length; i++) {
    if (latin1.charCodeAt(i) > 0x7f) {
      const bytes = Buffer.from(latin1, 'latin1');
      return isValidUtf8(bytes) ? bytes.toString('utf8') : latin1;
    }
  }
  return latin1;
}

function base64Bytes(text: string): Uint8Array {
  return Buffer.from(text, 'base64');
}

// RFC 2047 §4.2: "_" is a space, "=XX" an octet.
function qBytes(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5f) out.push(0x20);
    else if (c === 0x3d && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      out.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(c & 0xff);
  }
  return Uint8Array.from(out);
}

const supported = new Map<string, boolean>();

function isSupportedCharset(charset: string): boolean {
  let ok = supported.get(charset);
  if (ok === undefined) {
    try {
      new TextDecoder(charset);
      ok = true;
    } catch {
      ok = false;
    }
    if (supported.size < 256) supported.set(charset, ok);
  }
  return ok;
}

function decodeCharset(charset: string, bytes: Uint8Array): string {
  return new TextDecoder(charset).decode(bytes);
}
