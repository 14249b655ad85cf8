/**
 * A field's value from a message's header section, read without a MIME parser: the mail log's
 * Message-ID (packages/smtp) and the archive journal's Subject, From and Message-ID
 * (apply-archive.ts, on every node, so it must be cheap and deterministic). Bounded: only the
 * header section within limits.mailLogHeaderScanBytesMax is scanned, and the value is cut to
 * `charsMax`. Values are as written (RFC 2047 encoded words are not decoded; latin1 keeps each byte
 * as one character), unfolded (RFC 5322 §2.2.3), trimmed; '' when the field is missing.
 */
import { limits } from '@tandem/config';

const LF = 0x0a;
const CR = 0x0d;

/** The header section of a message (bounded by limits.mailLogHeaderScanBytesMax), without the empty line that ends it. */
export function headerSection(raw: Uint8Array): Buffer {
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, Math.min(raw.byteLength, limits.mailLogHeaderScanBytesMax));
  return bytes.subarray(0, headerEnd(bytes));
}

/** Reads several fields with one scan; `names` in lower case. */
export function headerFields(raw: Uint8Array, names: readonly string[], charsMax: number): Map<string, string> {
  const text = headerSection(raw).toString('latin1');
  const found = new Map<string, string>();
  for (const name of names) {
    const match = fieldPattern(name).exec(text);
    const value = match ? match[1]!.replace(/\r?\n(?=[ \t])/g, '').replace(/\r/g, '').trim() : '';
    found.set(name, value.slice(0, charsMax));
  }
  return found;
}

const patterns = new Map<string, RegExp>();

/** A field name at the start of a line, then its value with any folded lines (compiled once per name: this runs per message). */
function fieldPattern(name: string): RegExp {
  let pattern = patterns.get(name);
  if (!pattern) {
    pattern = new RegExp(`(?:^|\\n)${name}[ \\t]*:((?:[^\\n]*)(?:\\n[ \\t][^\\n]*)*)`, 'i');
    patterns.set(name, pattern);
  }
  return pattern;
}

/**
 * Where the header section ends: at its first empty line (RFC 5322 §2.1), CRLF or a bare LF; the
 * whole buffer if there is none. Line by line, so the body is never scanned.
 */
function headerEnd(bytes: Buffer): number {
  for (let at = 0; at < bytes.length;) {
    if (bytes[at] === LF || (bytes[at] === CR && bytes[at + 1] === LF)) return at;
    const next = bytes.indexOf(LF, at);
    if (next < 0) break;
    at = next + 1;
  }
  return bytes.length;
}
