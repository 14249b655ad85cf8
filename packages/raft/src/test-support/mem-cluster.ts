// Helpers for the paper tests: build a member with a chosen log and state, feed it messages one by one
// and look at what it sends; or run a few members over a perfect, controllable in-memory network.
import type { Entry, NodeId } from '../entry.js';
import type { Message, MessageType } from '../message.js';
import { newMessage } from '../message.js';
import type { Membership } from '../membership.js';
import { MemoryStorage } from '../memory-storage.js';
import type { RaftConfig } from '../raft-config.js';
import { defaultRaftConfig } from '../raft-config.js';
import { RawNode } from '../raw-node.js';
import type { Ready } from '../ready.js';

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

export interface MemberSpec {
  id: NodeId;
  voters: NodeId[];
  witnesses?: NodeId[];
  learners?: NodeId[];
  /** Terms of the entries at index 1, 2, ... (data "e<index>"). */
  logTerms?: number[];
  term?: number;
  vote?: NodeId | null;
  commit?: number;
  config?: Partial<RaftConfig>;
  /**
   * 'snapshot' (default): the configuration sits in a snapshot at index 0, so logTerms start at index 1 —
   * fine for founding members only. 'entries': bootstrapEntries() first (a member joining later can learn it).
   */
  bootstrap?: 'snapshot' | 'entries';
}

export interface Member {
  id: NodeId;
  raw: RawNode;
  storage: MemoryStorage;
  config: RaftConfig;
  /** Data of the normal entries this member applied, in order. */
  applied: string[];
}

export function entryData(e: Entry): string {
  return textDecoder.decode(e.data);
}

export function bytes(s: string): Uint8Array {
  return textEncoder.encode(s);
}

export function makeEntries(terms: number[], firstIndex = 1): Entry[] {
  return terms.map((term, i) => ({ term, index: firstIndex + i, type: 'normal' as const, data: bytes(`e${firstIndex + i}`) }));
}

export function newMember(spec: MemberSpec): Member {
  const membership: Membership = { voters: spec.voters, witnesses: spec.witnesses ?? [], learners: spec.learners ?? [] };
  let storage: MemoryStorage;
  if (spec.bootstrap === 'entries') {
    storage = new MemoryStorage(membership.voters.length > 0 ? { membership } : {});
  } else {
    storage = new MemoryStorage();
    storage.applySnapshot({ metadata: { index: 0, term: 0, membership }, data: new Uint8Array() });
  }
  const first = storage.lastIndex() + 1;
  storage.append(makeEntries(spec.logTerms ?? [], first));
  const commit = spec.commit ?? storage.hardStateNow().commit;
  storage.setHardState({ term: spec.term ?? 0, vote: spec.vote ?? null, commit });
  const config = defaultRaftConfig({
    id: spec.id, rand: () => 0, isWitness: (spec.witnesses ?? []).includes(spec.id), ...spec.config,
  });
  return { id: spec.id, raw: new RawNode(config, storage), storage, config, applied: [] };
}

/** Handles every pending Ready per the contract and returns the messages the member sent. */
export function drain(m: Member): Message[] {
  const out: Message[] = [];
  for (let i = 0; i < 100 && m.raw.hasReady(); i++) out.push(...handleReady(m, m.raw.ready()));
  return out;
}

export function handleReady(m: Member, rd: Ready): Message[] {
  if (rd.snapshot !== undefined) m.storage.applySnapshot(rd.snapshot);
  m.storage.append(rd.entries);
  if (rd.hardState !== undefined) m.storage.setHardState(rd.hardState);
  if (!m.config.isWitness) {
    for (const e of rd.committedEntries) if (e.type === 'normal' && e.data.byteLength > 0) m.applied.push(entryData(e));
  }
  m.raw.advance(rd);
  return rd.messages;
}

export function msg(type: MessageType, from: NodeId, to: NodeId, term: number, fields: Partial<Message> = {}): Message {
  return { ...newMessage(type, from, to, term), ...fields };
}

export function tickN(m: Member, n: number): void {
  for (let i = 0; i < n; i++) m.raw.tick();
}

/** Several members over a perfect network; links can be cut. Delivery is FIFO. */
export class MemCluster {
  readonly members = new Map<NodeId, Member>();
  private readonly cuts = new Set<string>();
  /** Every message delivered, for assertions on the exchange. */
  readonly delivered: Message[] = [];

  constructor(specs: MemberSpec[]) {
    for (const s of specs) this.members.set(s.id, newMember(s));
  }

  static of(ids: NodeId[], extra: Partial<MemberSpec> = {}): MemCluster {
    return new MemCluster(ids.map((id) => ({ id, voters: ids, ...extra })));
  }

  get(id: NodeId): Member {
    const m = this.members.get(id);
    if (m === undefined) throw new Error(`no member ${id}`);
    return m;
  }

  cut(a: NodeId, b: NodeId): void {
    this.cuts.add(`${a}>${b}`);
    this.cuts.add(`${b}>${a}`);
  }

  isolate(id: NodeId): void {
    for (const other of this.members.keys()) if (other !== id) this.cut(id, other);
  }

  heal(): void {
    this.cuts.clear();
  }

  /** Runs Readys and delivers messages until nothing moves. */
  stabilize(): void {
    for (let round = 0; round < 1000; round++) {
      const msgs: Message[] = [];
      for (const m of this.members.values()) msgs.push(...drain(m));
      if (msgs.length === 0) return;
      for (const x of msgs) this.deliver(x);
    }
    throw new Error('cluster did not stabilize');
  }

  deliver(x: Message): void {
    const target = this.members.get(x.to);
    if (target === undefined || this.cuts.has(`${x.from}>${x.to}`)) return;
    this.delivered.push(x);
    target.raw.step(x);
    if (x.type === 'installSnapshot') this.get(x.from).raw.reportSnapshot(x.to, 'finish');
  }

  tickAll(n = 1): void {
    for (let i = 0; i < n; i++) {
      for (const m of this.members.values()) m.raw.tick();
      this.stabilize();
    }
  }

  /** Elects `id` by campaigning (Pre-Vote and vote) over the current links. */
  elect(id: NodeId): void {
    this.get(id).raw.campaign();
    this.stabilize();
  }

  leaderIds(): NodeId[] {
    return [...this.members.values()].filter((m) => m.raw.status().role === 'leader').map((m) => m.id);
  }
}
