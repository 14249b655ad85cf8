import { randomBytes } from 'node:crypto';

const alphabet = '0123456789BCDFGHJKLMNPQRSTVWXYZ';

/**
 * A short id for "250 2.0.0 queued as <id>" and the logs. Made by the proposer (apply() must not
 * draw randomness), 12 characters from an alphabet without vowels, so ids never spell words.
 */
export function newQueueId(): string {
  const bytes = randomBytes(12);
  let id = '';
  for (const byte of bytes) id += alphabet[byte % alphabet.length];
  return id;
}
