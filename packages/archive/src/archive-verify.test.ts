// Goal: verify passes on an untouched journal and names the first record when a message's bytes, a record's
// fields, or the end of the chain were changed behind the server's back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Level } from 'level';
import { MailStore } from '@tandem/store';
import { verifyArchive } from './archive-verify.js';
import { archiveBed } from './archive-test-store.js';

const key = (seq: number): string => `arch\u0000${String(seq).padStart(20, '0')}`;

test('an untouched journal verifies; changed bytes, a changed record and a removed last record are each found', async (t) => {
  const bed = await archiveBed();
  t.after(() => bed.close());
  const clean = await verifyArchive(bed.store);
  assert.deepEqual([clean.ok, clean.records, clean.expired, clean.problems], [true, 3, 0, []]);

  // The message file of record 2 overwritten in place (same length).
  const second = bed.store.getArchiveRecord(2)!;
  const path = join(bed.store.paths.archiveDir, second.file!);
  const original = await bed.store.readArchived(2);
  writeFileSync(path, Buffer.from(original.toString('latin1').replace('noon?', 'noon!'), 'latin1'));
  assert.deepEqual((await verifyArchive(bed.store)).problems, [{ seq: 2, problem: 'its message is not the bytes that were journaled' }]);
  writeFileSync(path, original);

  // A record's recipient changed, and the last record deleted, directly in the index.
  await bed.stop();
  const db = new Level<string, unknown>(join(bed.dataDir, 'index'), { valueEncoding: 'json' });
  await db.put(key(1), { ...(await db.get(key(1)) as object), rcptTo: ['someone-else@example.test'] });
  await db.del(key(3));
  await db.close();
  bed.store = await MailStore.open({ dataDir: bed.dataDir });
  const report = await verifyArchive(bed.store);
  assert.equal(report.ok, false);
  assert.deepEqual(report.problems, [
    { seq: 1, problem: 'its fields do not hash to its recorded hash (the record was changed)' },
    { seq: 3, problem: 'the chain head is not the last record (records were removed from the end)' },
  ]);
});
