// `npm run sim -- --seeds N --seed-start S [--verbose]`: runs N simulated clusters from seed S, prints
// every violation with the seed that replays it, exits non-zero on any; prints "0 violations" when clean.
import { parseArgs } from 'node:util';
import { runSeeds } from './run-seeds.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '100' },
    'seed-start': { type: 'string', default: '1' },
    verbose: { type: 'boolean', default: false },
  },
});
const count = Number(values.seeds);
const seedStart = Number(values['seed-start']);
if (!Number.isInteger(count) || count < 1 || !Number.isInteger(seedStart)) {
  console.error('usage: sim --seeds N --seed-start S   (N ≥ 1, integers)');
  process.exit(2);
}
let done = 0;
const report = runSeeds(seedStart, count, (r) => {
  done++;
  for (const v of r.violations) {
    console.log(`seed ${r.seed} (${r.scenario.topology}): ${v.kind}: ${v.detail}`);
    console.log(`  replay: npm run sim -- --seeds 1 --seed-start ${r.seed}`);
  }
  if (values.verbose || (done % 1000 === 0)) {
    console.error(`… ${done}/${count} seeds, last: seed ${r.seed} ticks=${r.ticks} proposals=${r.stats.proposals} acked=${r.stats.acked} crashes=${r.stats.crashes} leaderAfterHeal=${r.stats.dataLeaderAfterHealTicks}`);
  }
});
const violations = report.failures.reduce((n, f) => n + f.violations.length, 0);
console.log(`${violations} violations in ${report.failures.length} of ${count} seeds (${seedStart}..${seedStart + count - 1})`);
console.log(`acked proposals ${report.acked} of ${report.proposals}; worst leader after heal: ${report.maxLeaderAfterHealTicks} ticks`);
console.log(`elapsed ${(report.elapsedMs / 1000).toFixed(1)} s`);
process.exit(violations === 0 ? 0 : 1);
