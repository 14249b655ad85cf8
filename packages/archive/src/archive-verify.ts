/**
 * `tandem archive verify`: the journal is what it was when written. Every record's hash is
 * recomputed from its fields and the previous record's hash (apply-archive.ts in @tandem/store),
 * the head must be the last record's, sequence numbers must run without a gap, and every message
 * still kept must hash to the record's sha256. The first problem is reported with its record;
 * counting goes on so the admin sees how much is affected.
 */
import { createHash } from 'node:crypto';
import { archiveRecordHash, genesisHash, type StoreReader } from '@tandem/store';

export interface VerifyReport {
  ok: boolean;
  records: number;
  expired: number;
  /** Bytes of kept messages hashed. */
  bytes: number;
  problems: Array<{ seq: number; problem: string }>;
}

/** At most this many problems are listed (the count of records checked is always whole). */
const problemsListedMax = 100;

export async function verifyArchive(reader: StoreReader): Promise<VerifyReport> {
  const report: VerifyReport = { ok: true, records: 0, expired: 0, bytes: 0, problems: [] };
  const problem = (seq: number, text: string): void => {
    report.ok = false;
    if (report.problems.length < problemsListedMax) report.problems.push({ seq, problem: text });
  };
  let prev = genesisHash;
  let expectedSeq = 1;
  for (const r of reader.archiveRecords()) {
    report.records++;
    if (r.seq !== expectedSeq) problem(r.seq, `sequence jumps from ${expectedSeq - 1} to ${r.seq}: records are missing`);
    expectedSeq = r.seq + 1;
    if (r.prevHash !== prev) problem(r.seq, 'its previous hash is not the hash of the record before it');
    if (archiveRecordHash(r) !== r.hash) problem(r.seq, 'its fields do not hash to its recorded hash (the record was changed)');
    prev = r.hash;
    if (r.file === null) { report.expired++; continue; }
    let bytes: Buffer;
    try {
      bytes = await reader.readArchived(r.seq);
    } catch (err) {
      problem(r.seq, `its message cannot be read: ${(err as Error).message}`);
      continue;
    }
    report.bytes += bytes.length;
    if (bytes.length !== r.sizeBytes || createHash('sha256').update(bytes).digest('hex') !== r.sha256) problem(r.seq, 'its message is not the bytes that were journaled');
  }
  const head = reader.archiveHead();
  if ((head?.hash ?? genesisHash) !== prev) problem(head?.seq ?? 0, 'the chain head is not the last record (records were removed from the end)');
  return report;
}
