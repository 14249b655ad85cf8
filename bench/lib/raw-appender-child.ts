/**
 * bench/raft.ts --raw-x3: a raw appender in its own process (as each Raft member is), driven over
 * IPC: it says { ready: true }, runs rawBaseline() for each { go: workload } and answers the Figures.
 */
import { rawBaseline, type RawWorkload } from './raw-appender.js';

process.on('message', (m: { go?: RawWorkload; exit?: boolean }) => {
  if (m.go !== undefined) void rawBaseline(m.go).then((figures) => process.send?.({ figures }));
  else process.disconnect?.();
});
process.send?.({ ready: true });
