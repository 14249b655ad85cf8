/**
 * The queued bytes are the stored message: trace-headers.ts put a Return-Path on top, as final
 * delivery must (RFC 5321 §4.4). Mail that leaves for another server is not being finally
 * delivered, and "a message-originating SMTP system SHOULD NOT send a message that already contains
 * a Return-path header field" (same section): the receiving MTA adds its own from the envelope. So
 * the leading Return-Path field (with any folded lines) is cut off before sending; nothing else is
 * touched, and a Return-Path further down (someone else's) stays.
 */
export function stripLeadingReturnPath(bytes: Buffer): Buffer {
  if (!/^return-path:/i.test(bytes.subarray(0, 12).toString('latin1'))) return bytes;
  let end = 0;
  for (;;) {
    const lf = bytes.indexOf(0x0a, end);
    if (lf < 0) return bytes; // one unterminated line: not a header section we wrote
    end = lf + 1;
    const next = bytes[end];
    if (next !== 0x20 && next !== 0x09) return bytes.subarray(end); // the next line is not a continuation
  }
}
