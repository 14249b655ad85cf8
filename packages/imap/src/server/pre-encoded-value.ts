/**
 * A value encoded to wire text once, to be written as is many times: a cached ENVELOPE is sent by
 * every FETCH (FLAGS UID ENVELOPE) over the mailbox, and walking its nested lists through the
 * encoder each time costs more than the rest of the response. The text depends on whether the
 * client may receive UTF-8 in quoted strings (RFC 6855 §3), so callers keep one per mode.
 *
 * The text is stored as a one-byte (Latin-1) string whenever its characters allow: the MIME layer
 * can hand over strings that V8 keeps two bytes per character even when they are pure ASCII, and
 * one such piece makes the whole batch of responses it is joined into two-byte, which makes
 * writing it to the socket several times slower (measured: FETCH 1:* ENVELOPE over 10,000
 * messages spent 45 of its 65 ms converting two-byte text for the socket).
 *
 * A value that needs a literal (a string with CR/LF or over the quoted-string limit) stays a
 * value: literal bytes must go out as bytes, not as text.
 */
import { raw } from '../wire/imap-value.js';
import type { ImapValue } from '../wire/imap-value.js';
import { ResponseWriter } from '../wire/value-encoder.js';

export function preEncodedValue(value: ImapValue, utf8: boolean): ImapValue {
  const chunks = new ResponseWriter({ utf8 }).value(value).toChunks();
  const [only] = chunks;
  if (!(chunks.length === 1 && typeof only === 'string')) return value;
  return raw(oneByteString(only));
}

/** The same text, held one byte per character when no character is above U+00FF. */
export function oneByteString(text: string): string {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return text;
  return Buffer.from(text, 'latin1').toString('latin1');
}
