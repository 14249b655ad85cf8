/**
 * Items for the other thread, posted together once the current JavaScript job and its microtasks
 * are done (process.nextTick) instead of one postMessage each. A group commit resolves all of its
 * deliveries in one go; their answers then cross in one message, which costs one serialization
 * header, one queue lock and at most one wake-up of the other thread instead of one per delivery
 * (on the intake bench postMessage was about a tenth of the store thread's time per delivery).
 * Nothing waits longer than the job that made it.
 */
export class PortBatch<T> {
  private items: T[] = [];
  private transfer: ArrayBuffer[] = [];

  constructor(private readonly send: (items: T[], transfer: ArrayBuffer[]) => void) {}

  add(item: T, transfer?: ArrayBuffer): void {
    if (this.items.length === 0) process.nextTick(this.flush);
    this.items.push(item);
    if (transfer) this.transfer.push(transfer);
  }

  private readonly flush = (): void => {
    const { items, transfer } = this;
    this.items = [];
    this.transfer = [];
    this.send(items, transfer);
  };
}
