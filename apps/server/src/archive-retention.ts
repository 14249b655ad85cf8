/**
 * Retention of the mail archive, run by the node that serves (beside the outbound queue's agent,
 * mail-services.ts): every limits.archiveExpireIntervalMs, and once at the start of each term of
 * service, it proposes archive.expire for the records older than the configured retention, a
 * bounded batch at a time, until a batch comes back short. What is expired, and what a legal hold
 * keeps, is decided by apply() (apply-archive.ts), the same on every node.
 */
import { limits } from '@tandem/config';
import type { CommandLog, StoreReader } from '@tandem/store';

export interface RetentionLogger { info(fields: object, message: string): void; error(fields: object, message: string): void }

const dayMs = 86_400_000;
/** Batches per run: a backlog of more than this many × archiveExpirePerCommandMax waits for the next run. */
const batchesPerRunMax = 100;

export class ArchiveRetention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly deps: { reader: StoreReader; commandLog: CommandLog; nowMs(): number; logger: RetentionLogger }) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => { void this.runOnce(); }, limits.archiveExpireIntervalMs);
    void this.runOnce();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass (a second call while one runs joins it). */
  runOnce(): Promise<void> {
    this.running ??= this.pass().finally(() => { this.running = undefined; });
    return this.running;
  }

  private async pass(): Promise<void> {
    const days = this.deps.reader.archiveConfig()?.retentionDays;
    if (days === undefined) return;
    const beforeMs = this.deps.nowMs() - days * dayMs;
    let expired = 0;
    try {
      for (let batch = 0; batch < batchesPerRunMax; batch++) {
        const result = await this.deps.commandLog.propose({ type: 'archive.expire', timestampMs: this.deps.nowMs(), beforeMs });
        if (!result.ok) throw new Error(`${result.error}: ${result.message}`);
        const count = (result.value as { count: number }).count;
        expired += count;
        if (count < limits.archiveExpirePerCommandMax) break;
      }
    } catch (err) {
      this.deps.logger.error({ err: (err as Error).message }, 'archive: retention could not expire records; next try at the next interval');
    }
    if (expired > 0) this.deps.logger.info({ expired, retentionDays: days, beforeMs }, 'archive: records past the retention expired');
  }
}
