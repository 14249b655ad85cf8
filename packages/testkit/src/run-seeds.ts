// Runs a range of seeds and collects every violation with the seed that replays it.
import { runSimulation } from './simulation.js';
import type { SimulationResult } from './simulation.js';
import type { Violation } from './safety-checker.js';

export interface SeedsReport {
  seeds: number;
  failures: Array<{ seed: number; violations: Violation[]; scenario: SimulationResult['scenario'] }>;
  elapsedMs: number;
  proposals: number;
  acked: number;
  /** Worst number of ticks from healing to a data leader, over the clean runs. */
  maxLeaderAfterHealTicks: number;
}

export function runSeeds(seedStart: number, count: number, onResult?: (r: SimulationResult) => void): SeedsReport {
  const started = performance.now();
  const report: SeedsReport = { seeds: count, failures: [], elapsedMs: 0, proposals: 0, acked: 0, maxLeaderAfterHealTicks: 0 };
  for (let seed = seedStart; seed < seedStart + count; seed++) {
    const r = runSimulation({ seed });
    report.proposals += r.stats.proposals;
    report.acked += r.stats.acked;
    if (r.stats.dataLeaderAfterHealTicks !== null) {
      report.maxLeaderAfterHealTicks = Math.max(report.maxLeaderAfterHealTicks, r.stats.dataLeaderAfterHealTicks);
    }
    if (r.violations.length > 0) report.failures.push({ seed, violations: r.violations, scenario: r.scenario });
    onResult?.(r);
  }
  report.elapsedMs = performance.now() - started;
  return report;
}
