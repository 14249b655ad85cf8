/**
 * Mailbox names on the wire (RFC 3501 §5.1.3 modified UTF-7; RFC 6855 §3 UTF-8 after
 * ENABLE UTF8=ACCEPT, and IMAP4rev2 RFC 9051 §5.1).
 *
 * Modified UTF-7: printable US-ASCII except "&" stands for itself; "&" is written "&-"; any other
 * run of characters is UTF-16, base64 with "," for "/", no padding, between "&" and "-".
 * Decoding is strict, so one name has exactly one spelling: a name that does not round-trip
 * (unterminated shift, bad base64, non-zero padding bits, printable ASCII inside base64, a null
 * shift "-&", a lone surrogate, raw 8-bit or control bytes) is refused with BAD and a reason.
 */
import { ImapParseError } from './wire/parse-error.js';

export type MailboxNameEncoding = 'utf7' | 'utf8';

const base64Chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,';
const base64Values = new Int8Array(128).fill(-1);
for (let i = 0; i < base64Chars.length; i++) base64Values[base64Chars.charCodeAt(i)] = i;

const isDirect = (c: number): boolean => c >= 0x20 && c <= 0x7e;

function invalid(reason: string): never {
  throw new ImapParseError(`Mailbox name is not valid modified UTF-7: ${reason}`);
}

/** Unicode name → modified UTF-7. */
export function encodeModifiedUtf7(name: string): string {
  let out = '';
  let i = 0;
  while (i < name.length) {
    const c = name.charCodeAt(i);
    if (c === 0x26) { out += '&-'; i++; continue; }
    if (isDirect(c)) { out += name[i]; i++; continue; }
    let j = i;
    while (j < name.length && !isDirect(name.charCodeAt(j))) j++;
    out += `&${base64Utf16(name.slice(i, j))}-`;
    i = j;
  }
  return out;
}

function base64Utf16(text: string): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (let k = 0; k < text.length; k++) {
    acc = (acc << 16) | text.charCodeAt(k);
    bits += 16;
    while (bits >= 6) {
      bits -= 6;
      out += base64Chars[(acc >> bits) & 0x3f];
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += base64Chars[(acc << (6 - bits)) & 0x3f];
  return out;
}

/** Modified UTF-7 → Unicode name; throws ImapParseError (BAD) when not canonical. */
export function decodeModifiedUtf7(wire: string): string {
  let out = '';
  let i = 0;
  let lastShiftEnd = -1; // index just after the last "-" that closed a base64 run
  while (i < wire.length) {
    const c = wire.charCodeAt(i);
    if (!isDirect(c)) invalid(c > 0x7e ? '8-bit character (use "&...-")' : 'control character');
    if (c !== 0x26) { out += wire[i]; i++; continue; }
    const close = wire.indexOf('-', i + 1);
    if (close === -1) invalid('"&" without a closing "-"');
    if (close === i + 1) { out += '&'; i += 2; continue; }
    // RFC 3501 §5.1.3: null shifts ("-&" while in base64) are not permitted.
    if (lastShiftEnd === i) invalid('two encoded runs must be one');
    out += decodeRun(wire.slice(i + 1, close));
    i = close + 1;
    lastShiftEnd = i;
  }
  return out;
}

function decodeRun(run: string): string {
  let acc = 0;
  let bits = 0;
  let text = '';
  for (let k = 0; k < run.length; k++) {
    const code = run.charCodeAt(k);
    const v = code < 128 ? base64Values[code]! : -1;
    if (v < 0) invalid(`"${run[k]}" inside an encoded run`);
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 16) {
      bits -= 16;
      text += String.fromCharCode((acc >> bits) & 0xffff);
    }
  }
  // RFC 2152 (UTF-7) §"Rule 2": the leftover bits are padding, fewer than 6 and all zero.
  if (bits >= 6 || (acc & ((1 << bits) - 1)) !== 0) invalid('bad padding in an encoded run');
  if (text.length === 0) invalid('empty encoded run');
  for (let k = 0; k < text.length; k++) {
    const u = text.charCodeAt(k);
    if (isDirect(u)) invalid('printable ASCII must not be encoded');
    if (u >= 0xd800 && u <= 0xdbff) {
      const next = text.charCodeAt(k + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) invalid('unpaired surrogate');
      k++;
    } else if (u >= 0xdc00 && u <= 0xdfff) {
      invalid('unpaired surrogate');
    }
  }
  return text;
}

function checkUtf8Name(name: string): string {
  for (let k = 0; k < name.length; k++) {
    const u = name.charCodeAt(k);
    if (u < 0x20 || u === 0x7f) throw new ImapParseError('Mailbox name contains a control character');
    if (u === 0xfffd) throw new ImapParseError('Mailbox name is not valid UTF-8');
  }
  return name.normalize('NFC');
}

/** A store name (Unicode) as the client must see it. */
export function encodeMailboxName(name: string, encoding: MailboxNameEncoding): string {
  return encoding === 'utf8' ? name : encodeModifiedUtf7(name);
}

/**
 * A name (or LIST pattern) from a command into Unicode. With UTF8=ACCEPT the name is taken as
 * UTF-8 text (RFC 6855 §3: "&" is then an ordinary character).
 */
export function decodeMailboxName(wire: string, encoding: MailboxNameEncoding): string {
  return encoding === 'utf8' ? checkUtf8Name(wire) : decodeModifiedUtf7(wire);
}
