/**
 * `tandem archive search`: journal records matching every condition given. Envelope and time
 * conditions read the records only; `subject` reads the record's Subject with RFC 2047 words
 * decoded (libmime); `text` reads each remaining candidate's message, so it is the slow one and
 * is applied last. Expired records match envelope conditions (they say a message existed) but never
 * `text`. Oldest first; at most `limit` results, with the whole count of matches.
 */
import libmime from 'libmime';
import { matchesAddressPattern, type ArchiveRecord, type StoreReader } from '@tandem/store';

export interface ArchiveQuery {
  /** The envelope sender or the From header contains this (case-insensitive); "@domain" matches the domain. */
  from?: string;
  /** Some recipient is this address, or in this "@domain". */
  to?: string;
  sinceMs?: number;
  untilMs?: number;
  subject?: string;
  text?: string;
}

export interface ArchiveHit {
  seq: number; timestampMs: number; queueId: string; mailFrom: string; rcptTo: string[]; sizeBytes: number;
  subject: string; from: string; messageId: string; expired: boolean;
}

export async function searchArchive(reader: StoreReader, query: ArchiveQuery, limit: number): Promise<{ count: number; hits: ArchiveHit[] }> {
  const hits: ArchiveHit[] = [];
  let count = 0;
  for (const r of reader.archiveRecords()) {
    if (!(await matches(reader, r, query))) continue;
    count++;
    if (hits.length < limit) hits.push(hitOf(r));
  }
  return { count, hits };
}

/** A header value as a person reads it. */
export function decodedHeader(value: string): string {
  try { return libmime.decodeWords(value); } catch { return value; }
}

function hitOf(r: ArchiveRecord): ArchiveHit {
  return {
    seq: r.seq, timestampMs: r.timestampMs, queueId: r.queueId, mailFrom: r.mailFrom, rcptTo: r.rcptTo, sizeBytes: r.sizeBytes,
    subject: decodedHeader(r.subject), from: decodedHeader(r.from), messageId: r.messageId, expired: r.file === null,
  };
}

async function matches(reader: StoreReader, r: ArchiveRecord, q: ArchiveQuery): Promise<boolean> {
  if (q.sinceMs !== undefined && r.timestampMs < q.sinceMs) return false;
  if (q.untilMs !== undefined && r.timestampMs >= q.untilMs) return false;
  if (q.from !== undefined) {
    const needle = q.from.toLowerCase();
    if (!r.mailFrom.toLowerCase().includes(needle) && !decodedHeader(r.from).toLowerCase().includes(needle)) return false;
  }
  if (q.to !== undefined && !r.rcptTo.some((a) => matchesAddressPattern(q.to!, a))) return false;
  if (q.subject !== undefined && !decodedHeader(r.subject).toLowerCase().includes(q.subject.toLowerCase())) return false;
  if (q.text !== undefined) {
    if (r.file === null) return false;
    if (!(await reader.readArchived(r.seq)).toString('utf8').toLowerCase().includes(q.text.toLowerCase())) return false;
  }
  return true;
}
