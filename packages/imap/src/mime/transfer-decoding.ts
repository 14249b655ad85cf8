/**
 * Content-Transfer-Encoding decoders (RFC 2045 §6.7 quoted-printable, §6.8 base64) for FETCH BINARY
 * and BINARY.SIZE (RFC 3516 §4), plus the decoded body of a part. Both decoders are forgiving the
 * way RFC 2045 asks ("robust implementations"): characters outside the alphabet are ignored, a bad
 * "=" sequence in quoted-printable is kept as it is.
 */
import { parseTransferEncoding } from './content-fields.js';
import { fieldNameIs, fieldValue } from './header-block.js';
import type { MimePart } from './mime-part.js';
import { findSectionPart } from './message-section.js';

const base64Values = new Int8Array(256).fill(-1);
(() => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < alphabet.length; i++) base64Values[alphabet.charCodeAt(i)] = i;
})();

/** RFC 2045 §6.8. Padding ends a group; decoding goes on after it (concatenated base64 blocks). */
export function decodeBase64(input: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(Math.floor((input.length * 3) / 4) + 3);
  let n = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (c === 0x3d) { acc = 0; bits = 0; continue; } // "=": drop the partial group
    const v = base64Values[c]!;
    if (v < 0) continue;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
      acc &= (1 << bits) - 1;
    }
  }
  return out.subarray(0, n);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** RFC 2045 §6.7: "=XX" octets, "=" at a line end is a soft break, trailing white space is dropped. */
export function decodeQuotedPrintable(input: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(input.length);
  let n = 0;
  let lineStart = 0; // in `out`: where trailing white space may be trimmed back to
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (c === 0x3d) {
      const h = hexValue(input[i + 1] ?? -1);
      const l = hexValue(input[i + 2] ?? -1);
      if (h >= 0 && l >= 0) {
        out[n++] = (h << 4) | l;
        i += 2;
        lineStart = n;
        continue;
      }
      // Soft line break: "=" then optional white space then CRLF / LF.
      let j = i + 1;
      while (input[j] === 0x20 || input[j] === 0x09) j++;
      if (input[j] === 0x0d && input[j + 1] === 0x0a) { i = j + 1; lineStart = n; continue; }
      if (input[j] === 0x0a) { i = j; lineStart = n; continue; }
      if (j >= input.length) break; // "=" at the very end
      out[n++] = c; // not a valid escape: keep it (RFC 2045 §6.7 note 1)
      lineStart = n;
      continue;
    }
    if (c === 0x0a || (c === 0x0d && input[i + 1] === 0x0a)) {
      // RFC 2045 §6.7 rule 3: white space at the end of an encoded line is not data.
      while (n > lineStart && (out[n - 1] === 0x20 || out[n - 1] === 0x09)) n--;
      if (c === 0x0d) { out[n++] = 0x0d; out[n++] = 0x0a; i++; } else out[n++] = 0x0a;
      lineStart = n;
      continue;
    }
    out[n++] = c;
    if (c !== 0x20 && c !== 0x09) lineStart = n;
  }
  return out.subarray(0, n);
}

/** The part's Content-Transfer-Encoding in lower case ("7bit" when absent, RFC 2045 §6.1). */
export function transferEncodingOf(buf: Buffer, part: MimePart): string {
  if (!part.isMime) return '7bit';
  for (const field of part.header.fields) {
    if (fieldNameIs(buf, field, 'content-transfer-encoding')) {
      return (parseTransferEncoding(fieldValue(buf, field)) ?? '7bit').toLowerCase();
    }
  }
  return '7bit';
}

/** Thrown (and answered NO [UNKNOWN-CTE], RFC 3516 §4.3) when a part's encoding cannot be undone. */
export class UnknownTransferEncodingError extends Error {
  override readonly name = 'UnknownTransferEncodingError';
  constructor(readonly encoding: string) {
    super(`unknown Content-Transfer-Encoding: ${encoding}`);
  }
}

/** The decoded body of a part (RFC 3516 §4.1); throws UnknownTransferEncodingError. */
export function decodedBody(buf: Buffer, part: MimePart): Buffer {
  const body = buf.subarray(part.bodyStart, part.bodyEnd);
  if (part.kind !== 'leaf') return body; // multiparts and messages carry no encoding of their own
  const encoding = transferEncodingOf(buf, part);
  switch (encoding) {
    case '7bit':
    case '8bit':
    case 'binary':
      return body;
    case 'base64':
      return decodeBase64(body);
    case 'quoted-printable':
      return decodeQuotedPrintable(body);
    default:
      throw new UnknownTransferEncodingError(encoding);
  }
}

/**
 * BINARY[section] (RFC 3516 §4.2): the decoded content of the part, or the whole message for an
 * empty section; null when there is no such part. Throws UnknownTransferEncodingError.
 */
export function binarySection(buf: Buffer, root: MimePart, path: readonly number[]): Buffer | null {
  if (path.length === 0) return buf;
  const part = findSectionPart(root, path);
  return part ? decodedBody(buf, part) : null;
}
