import { writeSync } from 'node:fs';

/**
 * What a store does after a FatalStorageError. The default ends the WHOLE process at once:
 * after a failed fsync nothing written since the last good one can be trusted, and continuing
 * (even to run exit handlers that might write) risks acknowledging data that is gone.
 * SIGKILL is used instead of process.exit() because exit() in a worker thread only ends that
 * thread, and instead of process.abort() because abort() is not available in workers.
 * Tests inject a handler that records the error instead; the store stays poisoned either way.
 */
export type FatalHandler = (error: Error) => void;

export const crashProcess: FatalHandler = (error) => {
  try {
    writeSync(2, `tandem replication: FATAL, stopping the process: ${error.stack ?? error.message}\n`);
  } finally {
    process.kill(process.pid, 'SIGKILL');
  }
};
