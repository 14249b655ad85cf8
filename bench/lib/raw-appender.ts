/**
 * The raw baseline of bench/raft.ts: one FileLogStore (segments, CRC, fsync, group commit) appending
 * `count` entries of `sizeBytes`, `window` appends in flight. Also run as a child process
 * (raw-appender-child.ts) for the bench's --raw-x3 line.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileLogStore } from '@tandem/replication';

export interface RawWorkload {
  sizeBytes: number;
  count: number;
  window: number;
}

export interface Figures {
  entries: number;
  failures: number;
  elapsedMs: number;
  latenciesMs: number[];
  fsyncs?: number;
  /** CPU time (user + system, all threads) spent per entry: what the machine's load cannot distort. */
  cpuUsPerEntry?: number;
}

/** The baseline: one process, FileLogStore (segments, CRC, fsync, group commit), `window` appends in flight. */
export async function rawBaseline(w: RawWorkload): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-bench-raw-'));
  const store = FileLogStore.open({ dir });
  const payloads = Array.from({ length: 16 }, () => randomBytes(w.sizeBytes));
  const latencies: number[] = [];
  let next = 1;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    await new Promise<void>((resolve, reject) => {
      let settled = 0;
      const launch = (): void => {
        while (next <= w.count && next - 1 - settled < w.window) {
          const index = next++;
          const t = performance.now();
          store.append([{ index, term: 1, entryType: 0, body: payloads[index % payloads.length]! }]).then(() => {
            latencies.push(performance.now() - t);
            settled++;
            if (settled === w.count) resolve();
            else launch();
          }, reject);
        }
      };
      launch();
    });
    const elapsedMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return {
      entries: w.count, failures: 0, elapsedMs, latenciesMs: latencies.sort((a, b) => a - b), fsyncs: store.stats.fsyncs,
      cpuUsPerEntry: (cpu.user + cpu.system) / w.count,
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
