/**
 * The Message-ID of a received message, for the mail log only (RFC 5322 §3.6.4): admins follow a
 * message between servers by it, as they do with Postfix's cleanup line. Nothing else reads it,
 * so a missing or malformed field is simply not logged, and the scan is bounded: the header
 * section within limits.mailLogHeaderScanBytesMax, the value cut to limits.mailLogMessageIdCharsMax.
 */
import { limits } from '@tandem/config';

// A field name at the start of a line, then its value with any folded lines (RFC 5322 §2.2.3).
const messageIdField = /(?:^|\n)message-id[ \t]*:((?:[^\n]*)(?:\n[ \t][^\n]*)*)/i;

/** The header section of a message (bounded by limits.mailLogHeaderScanBytesMax), with its end of line. */
export function headerSection(raw: Uint8Array): Buffer {
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, Math.min(raw.byteLength, limits.mailLogHeaderScanBytesMax));
  return bytes.subarray(0, headerEnd(bytes));
}

export function messageIdOf(raw: Uint8Array): string | undefined {
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, Math.min(raw.byteLength, limits.mailLogHeaderScanBytesMax));
  const match = messageIdField.exec(bytes.toString('latin1', 0, headerEnd(bytes)));
  if (!match) return undefined;
  // Unfold, drop the line breaks' CRs, and keep what the log can show (latin1 keeps bytes as they came).
  const value = match[1]!.replace(/\r?\n(?=[ \t])/g, '').replace(/\r/g, '').trim();
  return value === '' ? undefined : value.slice(0, limits.mailLogMessageIdCharsMax);
}

const LF = 0x0a;
const CR = 0x0d;

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
