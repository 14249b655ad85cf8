import { randomFillSync } from 'node:crypto';

const alphabet = '0123456789BCDFGHJKLMNPQRSTVWXYZ';
const idLength = 12;

/** Random bytes drawn ahead, many ids at a time: one call into the CSPRNG per 256 ids, not one per message. */
const pool = Buffer.alloc(idLength * 256);
let used = pool.length;

/**
 * A short id for "250 2.0.0 queued as <id>" and the logs. Made by the proposer (apply() must not
 * draw randomness), 12 characters from an alphabet without vowels, so ids never spell words.
 */
export function newQueueId(): string {
  if (used + idLength > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  let id = '';
  for (let i = used; i < used + idLength; i++) id += alphabet[pool[i]! % alphabet.length];
  used += idLength;
  return id;
}
