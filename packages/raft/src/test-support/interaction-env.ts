// A tiny in-memory cluster driven by the golden-transcript script language (testdata/*.txt).
// Every command returns the text it printed; the runner compares it with the file. Deterministic:
// messages travel in FIFO order, randomness is a fixed function, nothing reads a clock.
import type { Entry, NodeId } from '../entry.js';
import type { Message } from '../message.js';
import type { Membership } from '../membership.js';
import type { ConfChangeType } from '../conf-change.js';
import { MemoryStorage } from '../memory-storage.js';
import type { RaftConfig } from '../raft-config.js';
import { defaultRaftConfig } from '../raft-config.js';
import { RawNode } from '../raw-node.js';
import type { Ready } from '../ready.js';
import { RaftError } from '../raft-errors.js';
import { describeEntry, describeMembership, describeMessage, describeStatus } from './describe.js';

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

interface EnvNode {
  id: NodeId;
  config: RaftConfig;
  storage: MemoryStorage;
  node: RawNode;
  /** The "state machine": applied normal entries as "index:data". */
  applied: string[];
  crashed: boolean;
}

/** Script arguments: positional words and key=value options. */
export interface CommandArgs {
  words: string[];
  opts: Map<string, string>;
}

export function parseArgs(parts: string[]): CommandArgs {
  const words: string[] = [];
  const opts = new Map<string, string>();
  for (const p of parts) {
    const eq = p.indexOf('=');
    if (eq > 0) opts.set(p.slice(0, eq), p.slice(eq + 1));
    else words.push(p);
  }
  return { words, opts };
}

export class InteractionEnv {
  private readonly nodes = new Map<NodeId, EnvNode>();
  private inFlight: Message[] = [];
  /** Each member's partition group; messages between different groups are dropped. */
  private groups: Map<NodeId, number> | null = null;
  private out: string[] = [];

  run(command: string, args: CommandArgs): string {
    this.out = [];
    try {
      this.dispatch(command, args);
    } catch (e) {
      if (!(e instanceof RaftError)) throw e;
      this.print(`error: ${e.name}: ${e.message}`);
    }
    return this.out.join('\n');
  }

  private print(line: string): void {
    this.out.push(line);
  }

  private dispatch(command: string, a: CommandArgs): void {
    const ids = (): NodeId[] => (a.words.length === 0 || a.words[0] === 'all' ? this.liveIds() : a.words);
    switch (command) {
      case 'add-nodes': return this.addNodes(Number(a.words[0]), a.opts);
      case 'campaign': return this.get(a.words[0]).node.campaign();
      case 'propose': return this.propose(this.get(a.words[0]), a.words.slice(1).join(' '));
      case 'conf-change': return this.confChange(this.get(a.words[0]), a.words[1] as ConfChangeType, a.words[2] ?? '');
      case 'transfer': return this.get(a.words[0]).node.transferLeadership(a.words[1] ?? '');
      case 'tick': return this.tick(a);
      case 'stabilize': return this.stabilize();
      case 'run': return this.runTicks(a);
      case 'process-ready': for (const id of ids()) this.processReady(this.get(id)); return;
      case 'deliver-msgs': return this.deliver(a);
      case 'partition': return this.partition(a.words);
      case 'heal': this.groups = null; this.print('healed'); return;
      case 'crash': return this.crash(this.get(a.words[0]));
      case 'restart': return this.restart(this.get(a.words[0]));
      case 'status': for (const id of ids()) this.print(describeStatus(this.get(id).node.status())); return;
      case 'raft-state': return this.raftState();
      case 'log': return this.printLog(this.get(a.words[0]));
      case 'applied': for (const id of ids()) this.print(`${id}: ${this.get(id).applied.join(' ') || '(none)'}`); return;
      case 'compact': return this.compact(this.get(a.words[0]), Number(a.words[1]));
      default: throw new Error(`unknown command ${command}`);
    }
  }

  private get(id: NodeId | undefined): EnvNode {
    const n = id === undefined ? undefined : this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id ?? '(missing)'}`);
    return n;
  }

  private liveIds(): NodeId[] {
    return [...this.nodes.values()].filter((n) => !n.crashed).map((n) => n.id);
  }

  private addNodes(count: number, opts: Map<string, string>): void {
    const first = this.nodes.size + 1;
    const ids = Array.from({ length: count }, (_, i) => String(first + i));
    const list = (k: string): NodeId[] => (opts.get(k) ?? '').split(',').filter((x) => x !== '');
    const learners = list('learners');
    const witnesses = list('witnesses');
    const bootstrap = this.nodes.size === 0;
    const membership: Membership = bootstrap
      ? { voters: ids.filter((id) => !learners.includes(id)), witnesses, learners }
      : { voters: [], witnesses: [], learners: [] };
    const num = (k: string, d: number): number => Number(opts.get(k) ?? d);
    for (const id of ids) {
      const config = defaultRaftConfig({
        id,
        // Deterministic but different per member (timeouts T, 1.3T, 1.6T, ...), so elections do not tie.
        rand: () => ((Number(id) - 1) * 0.3) % 1,
        electionTimeoutTicks: num('election', 10),
        heartbeatIntervalTicks: num('heartbeat', 1),
        witnessElectionTimeoutTicks: num('witness-election', 20),
        leaseTicks: num('lease', 8),
        preVote: opts.get('prevote') !== 'false',
        checkQuorum: opts.get('checkquorum') !== 'false',
        maxInflightMsgs: num('inflight', 256),
        maxSizePerMsgBytes: num('max-msg-bytes', 1024 * 1024),
        isWitness: witnesses.includes(id) || opts.get('witness') === 'true',
      });
      const storage = new MemoryStorage({ membership });
      const n: EnvNode = { id, config, storage, node: new RawNode(config, storage), applied: [], crashed: false };
      this.nodes.set(id, n);
      // The founding configuration entries are committed from the start: apply them quietly.
      const saved = this.out;
      this.processReady(n);
      this.out = saved;
    }
    this.print(`added ${ids.join(' ')}${bootstrap ? `: ${describeMembership(membership)}` : ' (no configuration)'}`);
  }

  private propose(n: EnvNode, data: string): void {
    const p = n.node.propose(textEncoder.encode(data));
    this.print(`proposed at ${p.term}/${p.index}`);
  }

  private confChange(n: EnvNode, type: ConfChangeType, nodeId: NodeId): void {
    const p = n.node.proposeConfChange({ type, nodeId });
    this.print(`proposed at ${p.term}/${p.index}`);
  }

  private tick(a: CommandArgs): void {
    const count = Number(a.opts.get('n') ?? 1);
    const ids = a.words.length === 0 || a.words[0] === 'all' ? this.liveIds() : a.words;
    for (let i = 0; i < count; i++) for (const id of ids) this.get(id).node.tick();
  }

  /** Ticks (all live members by default) n times, stabilizing quietly after each tick. */
  private runTicks(a: CommandArgs): void {
    const count = Number(a.opts.get('n') ?? 1);
    const saved = this.out;
    for (let i = 0; i < count; i++) {
      for (const id of a.words.length === 0 ? this.liveIds() : a.words) this.get(id).node.tick();
      this.out = [];
      this.stabilize();
    }
    this.out = saved;
  }

  private stabilize(): void {
    for (let round = 0; round < 1000; round++) {
      let progressed = false;
      for (const n of this.nodes.values()) {
        if (!n.crashed && n.node.hasReady()) {
          this.processReady(n);
          progressed = true;
        }
      }
      if (this.inFlight.length > 0) {
        this.deliverAll(() => true, false);
        progressed = true;
      }
      if (!progressed) return;
    }
    throw new Error('stabilize did not settle in 1000 rounds');
  }

  /** Follows the Ready contract: persist, then send, then apply, then advance. */
  private processReady(n: EnvNode): void {
    if (n.crashed || !n.node.hasReady()) return;
    const rd: Ready = n.node.ready();
    this.print(`${n.id} ready${rd.mustSync ? ' (sync)' : ''}:`);
    if (rd.softState !== undefined) {
      this.print(`  soft: ${rd.softState.role} lead=${rd.softState.lead ?? '-'} ${describeMembership(rd.softState.membership)}`);
    }
    if (rd.hardState !== undefined) {
      const h = rd.hardState;
      this.print(`  hard: term=${h.term} vote=${h.vote ?? '-'} commit=${h.commit}`);
    }
    if (rd.snapshot !== undefined) {
      const s = rd.snapshot;
      this.print(`  snapshot: ${s.metadata.term}/${s.metadata.index} ${describeMembership(s.metadata.membership)}`);
      n.storage.applySnapshot(s);
      n.applied = s.data.byteLength > 0 ? (JSON.parse(textDecoder.decode(s.data)) as string[]) : [];
    }
    if (rd.entries.length > 0) {
      this.print(`  persist: ${rd.entries.map(describeEntry).join(', ')}`);
      n.storage.append(rd.entries);
    }
    if (rd.hardState !== undefined) n.storage.setHardState(rd.hardState);
    for (const m of rd.messages) {
      this.print(`  send: ${describeMessage(m)}`);
      this.inFlight.push(m);
    }
    if (rd.committedEntries.length > 0) {
      this.print(`  ${n.config.isWitness ? 'committed (witness: not applied)' : 'apply'}: ${rd.committedEntries.map(describeEntry).join(', ')}`);
      if (!n.config.isWitness) this.apply(n, rd.committedEntries);
    }
    n.node.advance(rd);
  }

  private apply(n: EnvNode, ents: Entry[]): void {
    for (const e of ents) {
      if (e.type === 'normal' && e.data.byteLength > 0) n.applied.push(`${e.index}:${textDecoder.decode(e.data)}`);
    }
  }

  private deliver(a: CommandArgs): void {
    const drop = a.words[0] === 'drop';
    const targets = drop ? a.words.slice(1) : a.words;
    const fromOpt = a.opts.get('from');
    this.deliverAll((m) => (targets.length === 0 || targets.includes(m.to))
      && (fromOpt === undefined || m.from === fromOpt), true, drop);
  }

  /** Delivers (or drops) every in-flight message matching `select`, in order. */
  private deliverAll(select: (m: Message) => boolean, verbose: boolean, drop = false): void {
    const chosen = this.inFlight.filter(select);
    this.inFlight = this.inFlight.filter((m) => !select(m));
    for (const m of chosen) {
      const target = this.nodes.get(m.to);
      const cut = this.groups !== null && this.groups.get(m.from) !== this.groups.get(m.to);
      if (drop || cut || target === undefined || target.crashed) {
        this.print(`drop: ${describeMessage(m)}${cut ? ' (partition)' : target?.crashed === true ? ' (crashed)' : ''}`);
        if (m.type === 'installSnapshot') this.nodes.get(m.from)?.node.reportSnapshot(m.to, 'failure');
        continue;
      }
      if (verbose) this.print(`deliver: ${describeMessage(m)}`);
      target.node.step(m);
      // The transport reports a delivered snapshot to the sender (etcd's ReportSnapshot).
      if (m.type === 'installSnapshot') this.nodes.get(m.from)?.node.reportSnapshot(m.to, 'finish');
    }
  }

  private partition(words: string[]): void {
    this.groups = new Map();
    let group = 0;
    for (const w of words) {
      if (w === '|') group++;
      else this.groups.set(w, group);
    }
    // Members not named form their own group each.
    for (const id of this.nodes.keys()) if (!this.groups.has(id)) this.groups.set(id, ++group + 100);
    this.print(`partitioned: ${words.join(' ')}`);
  }

  private crash(n: EnvNode): void {
    n.crashed = true;
    this.inFlight = this.inFlight.filter((m) => m.to !== n.id);
    this.print(`${n.id} crashed`);
  }

  /** A restarted member keeps only what it persisted; its state machine restarts from the snapshot. */
  private restart(n: EnvNode): void {
    const snap = n.storage.snapshot();
    n.applied = snap.data.byteLength > 0 ? (JSON.parse(textDecoder.decode(snap.data)) as string[]) : [];
    n.node = new RawNode(n.config, n.storage);
    n.crashed = false;
    const s = n.node.status();
    this.print(`${n.id} restarted: term=${s.term} vote=${s.vote ?? '-'} commit=${s.commit} applied=${s.applied} last=${s.lastIndex}`);
  }

  private raftState(): void {
    for (const n of this.nodes.values()) {
      if (n.crashed) {
        this.print(`${n.id}: crashed`);
        continue;
      }
      const s = n.node.status();
      this.print(`${n.id}: ${s.role} term=${s.term} lead=${s.lead ?? '-'} commit=${s.commit}${s.leaseValid ? ' lease' : ''}`);
    }
  }

  private printLog(n: EnvNode): void {
    const first = n.storage.firstIndex();
    const last = n.storage.lastIndex();
    const ents = last >= first ? n.storage.entries(first, last + 1) : [];
    this.print(`${n.id} log (first=${first}): ${ents.map(describeEntry).join(', ') || '(empty)'}`);
  }

  /** Takes a snapshot of the state machine at `index` (≤ applied) and drops the log up to it. */
  private compact(n: EnvNode, index: number): void {
    const applied = n.node.status().applied;
    if (index > applied) throw new Error(`compact ${index} past applied ${applied}`);
    const data = n.config.isWitness
      ? new Uint8Array()
      : textEncoder.encode(JSON.stringify(n.applied.filter((x) => Number(x.split(':')[0]) <= index)));
    const snap = n.storage.createSnapshot(index, data);
    n.storage.compact(index);
    this.print(`${n.id} compacted to ${snap.metadata.term}/${snap.metadata.index}`);
  }
}
