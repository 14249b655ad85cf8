import { NotLeaderError, OutcomeUnknownError, type ApplyResult, type Command, type CommandLog } from '@tandem/store';
import type { ProtocolMeter } from './daemon-metrics.js';

/**
 * The command log as one protocol (SMTP or IMAP) sees it, counting each write by command type and
 * outcome and timing it from propose to answer: what a client waits for its 250 / OK. Changes
 * nothing about the calls it passes on.
 */
export class MeteredCommandLog implements CommandLog {
  constructor(private readonly inner: CommandLog, private readonly meter: ProtocolMeter) {}

  async propose(command: Command): Promise<ApplyResult> {
    const startedMs = performance.now();
    try {
      const result = await this.inner.propose(command);
      this.meter.observe(command.type, result.ok ? 'ok' : 'failed', (performance.now() - startedMs) / 1000);
      return result;
    } catch (err) {
      const outcome = err instanceof NotLeaderError ? 'refused' : err instanceof OutcomeUnknownError ? 'unknown' : 'error';
      this.meter.observe(command.type, outcome, (performance.now() - startedMs) / 1000);
      throw err;
    }
  }

  /** The shared log is closed by its owner, not by one protocol's view of it. */
  async close(): Promise<void> {}
}
