// A simulated network between members: it drops, duplicates, delays (and so reorders) messages, and
// cuts links one way or both (partitions). Messages are copied on send, as a real transport would
// serialise them, so no member ever shares an object with another.
import type { Message, NodeId } from '@tandem/raft';
import type { SeededRandom } from './seeded-random.js';

export interface NetworkFaults {
  /** Probability that a message is lost. */
  dropRate: number;
  /** Probability that a message is delivered twice. */
  duplicateRate: number;
  /** Each copy is delivered after a uniform delay in [0, maxDelayTicks] ticks. */
  maxDelayTicks: number;
}

export const reliableNetwork: NetworkFaults = { dropRate: 0, duplicateRate: 0, maxDelayTicks: 0 };

interface InFlight {
  message: Message;
  deliverAtTick: number;
}


export class SimNetwork {
  faults: NetworkFaults = reliableNetwork;
  private inFlight: InFlight[] = [];
  private readonly cuts = new Set<string>();

  constructor(private readonly rng: SeededRandom) {}

  /** Returns false when the message was lost. */
  send(message: Message, nowTick: number): boolean {
    if (this.rng.chance(this.faults.dropRate)) return false;
    const copies = this.rng.chance(this.faults.duplicateRate) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const deliverAtTick = nowTick + this.rng.int(this.faults.maxDelayTicks + 1);
      this.inFlight.push({ message: cloneMessage(message), deliverAtTick });
    }
    return true;
  }

  /** Puts a message back, unchanged, for later delivery (its receiver is not reading right now). */
  requeue(message: Message, deliverAtTick: number): void {
    this.inFlight.push({ message, deliverAtTick });
  }

  /** Messages due now, in random order; those crossing a cut link come back separately. */
  takeDue(nowTick: number): { deliver: Message[]; cut: Message[] } {
    const due: Message[] = [];
    const later: InFlight[] = [];
    for (const f of this.inFlight) {
      if (f.deliverAtTick <= nowTick) due.push(f.message);
      else later.push(f);
    }
    this.inFlight = later;
    this.rng.shuffle(due);
    const deliver: Message[] = [];
    const cut: Message[] = [];
    for (const m of due) (this.isCut(m.from, m.to) ? cut : deliver).push(m);
    return { deliver, cut };
  }

  pendingCount(): number {
    return this.inFlight.length;
  }

  /** Drops everything in flight to `to` (it crashed: its sockets are gone). */
  dropTo(to: NodeId): Message[] {
    const lost = this.inFlight.filter((f) => f.message.to === to).map((f) => f.message);
    this.inFlight = this.inFlight.filter((f) => f.message.to !== to);
    return lost;
  }

  cut(from: NodeId, to: NodeId): void {
    this.cuts.add(`${from}>${to}`);
  }

  isCut(from: NodeId, to: NodeId): boolean {
    return this.cuts.has(`${from}>${to}`);
  }

  /** Cuts every link between the two groups, both ways. */
  partition(a: readonly NodeId[], b: readonly NodeId[]): void {
    for (const x of a) {
      for (const y of b) {
        this.cut(x, y);
        this.cut(y, x);
      }
    }
  }

  heal(): void {
    this.cuts.clear();
  }

  hasCuts(): boolean {
    return this.cuts.size > 0;
  }
}

export function cloneMessage(m: Message): Message {
  const copy: Message = { ...m, entries: m.entries.map((e) => ({ ...e, data: e.data.slice() })) };
  if (m.snapshot !== undefined) {
    const meta = m.snapshot.metadata;
    copy.snapshot = {
      metadata: {
        index: meta.index, term: meta.term,
        membership: { voters: [...meta.membership.voters], witnesses: [...meta.membership.witnesses], learners: [...meta.membership.learners] },
      },
      data: m.snapshot.data.slice(),
    };
  }
  return copy;
}
