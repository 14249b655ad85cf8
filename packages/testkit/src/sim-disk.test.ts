// Goal: the simulated disk loses exactly what a real one may — un-fsynced records, possibly with a
// torn last record that recovery detects and drops — and never anything fsynced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Entry } from '@tandem/raft';
import { SimDisk } from './sim-disk.js';
import { SeededRandom } from './seeded-random.js';

const membership = { voters: ['a', 'b', 'w'], witnesses: ['w'], learners: [] };
const entry = (index: number): Entry => ({ index, term: 1, type: 'normal', data: new TextEncoder().encode(`e${index}`) });

test('a crash keeps every fsynced record and a prefix of the rest; a torn record is dropped at recovery', () => {
  let sawTorn = false;
  let sawLoss = false;
  for (let seed = 1; seed <= 200; seed++) {
    const disk = new SimDisk(membership);
    const base = disk.recover().lastIndex(); // the founding configuration entries
    disk.write({ kind: 'entries', entries: [entry(base + 1), entry(base + 2)] });
    disk.write({ kind: 'hardState', hardState: { term: 1, vote: 'a', commit: base } });
    disk.fsync();
    disk.write({ kind: 'entries', entries: [entry(base + 3)] });
    disk.write({ kind: 'hardState', hardState: { term: 1, vote: 'a', commit: base + 3 } });
    const outcome = disk.crash(new SeededRandom(seed));
    const s = disk.recover();
    assert.ok(s.lastIndex() >= base + 2, `seed ${seed}: fsynced entries lost`);
    assert.deepEqual([s.hardStateNow().term, s.hardStateNow().vote], [1, 'a'], `seed ${seed}`);
    const kept = 2 - outcome.lostRecords - (outcome.tornRecord ? 1 : 0);
    assert.equal(s.lastIndex(), kept >= 1 ? base + 3 : base + 2, `seed ${seed}: ${JSON.stringify(outcome)}`);
    assert.equal(s.hardStateNow().commit, kept >= 2 ? base + 3 : base, `seed ${seed}`);
    sawTorn ||= outcome.tornRecord;
    sawLoss ||= outcome.lostRecords > 0;
  }
  assert.ok(sawTorn && sawLoss, 'the seeds exercised both torn and lost records');
});
