import type { ProposeResult } from './engine-protocol.js';
import { DegradedError, LeadershipLostError, NodeClosedError, NotLeaderError, ProposalRejectedError, TimeoutError } from './errors.js';

/**
 * The proposals a RaftNode is waiting on, from propose() to the apply of their entry.
 *
 * A proposal is committed exactly when the entry applied at its index has its term (Raft §5.3,
 * Log Matching); an entry of another term there means a new leader overwrote it. Outcomes:
 *  - not accepted by the core: NotLeaderError / ProposalRejectedError (nothing in the log);
 *  - applied with the same term: resolved with the state machine's result (with hot standby, once the
 *    other data node holds it too, or counts as down: see RaftNode);
 *  - overwritten, or leadership lost before its entry was handed out for applying:
 *    LeadershipLostError (outcome unknown to the caller);
 *  - no outcome within timeoutMs: TimeoutError (outcome unknown).
 */
interface Pending<R> {
  resolve: (value: R) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  index: number;
  term: number;
}

export class ProposalTracker<R> {
  private nextId: number;
  private readonly byId = new Map<number, Pending<R>>();
  private readonly byIndex = new Map<number, number>();
  /** Applied, waiting for the hot standby (onApplied with hold), in index order. */
  private held: Array<{ id: number; index: number; value: R }> = [];

  /** `firstId` separates the id spaces of trackers that share one engine. */
  constructor(private readonly pendingMax: number, firstId = 1) {
    this.nextId = firstId;
  }

  get size(): number {
    return this.byId.size;
  }

  has(id: number): boolean {
    return this.byId.has(id);
  }

  /** Registers a proposal; returns its id and the promise the caller awaits. */
  add(timeoutMs: number): { id: number; done: Promise<R> } {
    if (this.byId.size >= this.pendingMax) throw new ProposalRejectedError(`${this.pendingMax} proposals already pending`);
    const id = this.nextId++;
    const done = new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => this.settle(id, new TimeoutError(timeoutMs)), timeoutMs);
      this.byId.set(id, { resolve, reject, timer, index: 0, term: 0 });
    });
    return { id, done };
  }

  /** The engine's answer to a propose: where it landed, or why not. */
  onResult(result: ProposeResult): void {
    const p = this.byId.get(result.id);
    if (p === undefined) return;
    if ('failure' in result) {
      const f = result.failure;
      this.settle(result.id, f.kind === 'notLeader' ? new NotLeaderError(f.leaderHint)
        : f.kind === 'degraded' ? new DegradedError(f.downPeers)
          : f.reason === 'closed' ? new NodeClosedError() : new ProposalRejectedError(f.detail));
      return;
    }
    p.index = result.index;
    p.term = result.term;
    this.byIndex.set(result.index, result.id);
  }

  /**
   * The entry at `index` (of `term`) was applied with `value`. With `hold`, a proposal whose entry it
   * is keeps waiting, with its value, until releaseThrough() covers its index (hot standby: the other
   * data node must hold it too); an overwritten one fails at once either way.
   */
  onApplied(index: number, term: number, value: R, hold = false): void {
    const id = this.byIndex.get(index);
    if (id === undefined) return;
    const p = this.byId.get(id)!;
    if (p.term !== term) this.settle(id, new LeadershipLostError(p.index, p.term));
    else if (!hold) this.settle(id, undefined, value);
    else this.held.push({ id, index, value });
  }

  /** Resolves the held proposals whose index is ≤ `index`, in index order. */
  releaseThrough(index: number): void {
    let n = 0;
    while (n < this.held.length && this.held[n]!.index <= index) {
      const h = this.held[n++]!;
      this.settle(h.id, undefined, h.value);
    }
    if (n > 0) this.held = this.held.slice(n);
  }

  /** The held proposals above `index` end with LeadershipLostError (no longer leader: cannot confirm). */
  failHeldAbove(index: number): void {
    for (const h of this.held) {
      const p = this.byId.get(h.id);
      if (p !== undefined && h.index > index) this.settle(h.id, new LeadershipLostError(p.index, p.term));
    }
    this.held = this.held.filter((h) => this.byId.has(h.id));
  }

  /** Leadership was lost: proposals whose entries were not handed out for applying have an unknown outcome. */
  onLeadershipLost(dispatchedIndex: number): void {
    for (const [id, p] of [...this.byId]) {
      if (p.index > dispatchedIndex) this.settle(id, new LeadershipLostError(p.index, p.term));
    }
  }

  /** Everything still pending ends: proposals in the log with LeadershipLostError, the rest NodeClosedError. */
  closeAll(): void {
    for (const [id, p] of [...this.byId]) this.settle(id, p.index > 0 ? new LeadershipLostError(p.index, p.term) : new NodeClosedError());
    this.held = [];
  }

  private settle(id: number, error: Error | undefined, value?: R): void {
    const p = this.byId.get(id);
    if (p === undefined) return;
    clearTimeout(p.timer);
    this.byId.delete(id);
    if (p.index > 0) this.byIndex.delete(p.index);
    if (error !== undefined) p.reject(error);
    else p.resolve(value as R);
  }
}
