/**
 * The Message-ID of a received message, for the mail log only (RFC 5322 §3.6.4): admins follow a
 * message between servers by it, as they do with Postfix's cleanup line. Nothing else reads it,
 * so a missing or malformed field is simply not logged, and the scan is bounded (header-fields.ts
 * in @tandem/store), the value cut to limits.mailLogMessageIdCharsMax.
 */
import { limits } from '@tandem/config';
import { headerFields } from '@tandem/store';

export function messageIdOf(raw: Uint8Array): string | undefined {
  const value = headerFields(raw, ['message-id'], limits.mailLogMessageIdCharsMax).get('message-id');
  return value === '' ? undefined : value;
}
