// Flow control: the appendEntries messages sent to one follower and not yet acknowledged, each
// remembered by the last index it carried. Bounded by maxInflightMsgs (TigerStyle: a limit on everything).
export class Inflights {
  private lastIndexes: number[] = [];

  constructor(readonly capacity: number) {}

  full(): boolean {
    return this.lastIndexes.length >= this.capacity;
  }

  count(): number {
    return this.lastIndexes.length;
  }

  add(lastIndex: number): void {
    this.lastIndexes.push(lastIndex);
  }

  /** Frees every message whose last index is ≤ `index` (acknowledged cumulatively). */
  freeLE(index: number): void {
    let n = 0;
    while (n < this.lastIndexes.length && (this.lastIndexes[n] as number) <= index) n++;
    if (n > 0) this.lastIndexes = this.lastIndexes.slice(n);
  }

  /** Frees the oldest message (it was probably lost) so a full window can make progress. */
  freeFirstOne(): void {
    this.lastIndexes = this.lastIndexes.slice(1);
  }

  reset(): void {
    this.lastIndexes = [];
  }
}
