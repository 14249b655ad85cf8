/**
 * A byte budget shared by every SMTP session of the intake: message bytes are reserved as they
 * arrive and released once the delivery is answered, so the memory held by messages in transit
 * is bounded (limits.smtpBufferedBytesMax) whatever the number of sessions.
 */
export class MemoryBudget {
  private usedBytes = 0;

  constructor(readonly bytesMax: number) {}

  /** Reserves n bytes; false (and nothing reserved) when that would pass the budget. */
  tryReserve(n: number): boolean {
    if (this.usedBytes + n > this.bytesMax) return false;
    this.usedBytes += n;
    return true;
  }

  release(n: number): void {
    this.usedBytes -= n;
    if (this.usedBytes < 0) throw new Error(`MemoryBudget: released more than reserved (${this.usedBytes})`);
  }

  get reservedBytes(): number { return this.usedBytes; }
}
