import { createHash } from 'node:crypto';

/**
 * The identity of one SMTP transaction as the client sent it: a hash of the envelope and the
 * message bytes as received, before any trace header is added. A client that retries after a lost
 * reply (RFC 5321 §4.5.4.1) sends the same envelope and bytes, so the retry maps to the same key
 * and apply() turns it into a no-op that still answers 250 (DESIGN §3: exactly once).
 */
export function dedupeKey(envelope: { mailFrom: string; rcptTo: readonly string[] }, message: Uint8Array): string {
  const hash = createHash('sha256');
  // JSON keeps the envelope unambiguous (no address can smuggle a separator); the bytes follow it.
  hash.update(JSON.stringify([envelope.mailFrom, envelope.rcptTo]));
  hash.update('\n');
  hash.update(message);
  return hash.digest('hex');
}
