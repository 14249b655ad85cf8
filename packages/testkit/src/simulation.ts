// A seeded, deterministic simulation of a Raft cluster (TigerBeetle's VOPR idea): members over a lossy,
// duplicating, reordering, partitionable network and crash-prone disks, with clients proposing all the
// while. Safety checkers run after every step; after the faults stop ("healing"), the cluster must elect
// a data leader within a bounded number of ticks and apply every acknowledged proposal exactly once on
// every data member. The same seed always replays the same run.
import type { Entry, Membership, Message, NodeId, Ready } from '@tandem/raft';
import { InvalidConfChangeError, NotLeaderError, ProposalDroppedError, defaultRaftConfig } from '@tandem/raft';
import { SafetyChecker } from './safety-checker.js';
import type { Violation } from './safety-checker.js';
import { SeededRandom } from './seeded-random.js';
import { SimNetwork } from './sim-network.js';
import type { NetworkFaults } from './sim-network.js';
import { SimNode } from './sim-node.js';
import type { ReadyHooks } from './sim-node.js';
import { proposalData } from './sim-state-machine.js';
import { pickScenario } from './sim-scenario.js';
import type { SimScenario, Topology } from './sim-scenario.js';

export interface SimulationOptions {
  seed: number;
  /** Force a topology; by default the seed picks one. */
  topology?: Topology;
  /** Ticks with faults before healing. */
  faultTicks?: number;
}

export interface SimulationStats {
  proposals: number;
  acked: number;
  confChanges: number;
  crashes: number;
  partitions: number;
  delivered: number;
  dataLeaderAfterHealTicks: number | null;
  convergedAfterHealTicks: number | null;
}

export interface SimulationResult {
  seed: number;
  scenario: SimScenario;
  violations: Violation[];
  ticks: number;
  stats: SimulationStats;
}

interface MemberView {
  id: NodeId;
  role: string;
  term: number;
  leaseValid: boolean;
}

/** Thrown to stop a run at its first violation (later ones are usually consequences). */
class StopRun extends Error {}

export class Simulation {
  readonly rng: SeededRandom;
  readonly scenario: SimScenario;
  readonly nodes = new Map<NodeId, SimNode>();
  readonly network: SimNetwork;
  readonly checker = new SafetyChecker();
  tick = 0;
  /** Faults are injected until healing. */
  private faulty = true;
  private readonly views = new Map<NodeId, MemberView>();
  private readonly restartAt = new Map<NodeId, number>();
  private readonly resumeAt = new Map<NodeId, number>();
  private healCutsAt = -1;
  private proposalSeq = 0;
  private readonly pending = new Map<string, { id: string; term: number }>();
  readonly acked = new Set<string>();
  readonly stats: SimulationStats = {
    proposals: 0, acked: 0, confChanges: 0, crashes: 0, partitions: 0, delivered: 0,
    dataLeaderAfterHealTicks: null, convergedAfterHealTicks: null,
  };

  constructor(readonly options: SimulationOptions) {
    this.rng = new SeededRandom(options.seed);
    this.scenario = pickScenario(this.rng, options.topology);
    this.network = new SimNetwork(this.rng.fork());
    const s = this.scenario;
    const membership: Membership = { voters: s.members.map((m) => m.id), witnesses: s.members.filter((m) => m.witness).map((m) => m.id), learners: [] };
    const all = [...s.members, ...(s.spare === null ? [] : [{ id: s.spare, witness: false }])];
    for (const m of all) {
      const rand = this.rng.fork();
      const config = defaultRaftConfig({
        id: m.id,
        rand: () => rand.next(),
        electionTimeoutTicks: s.electionTimeoutTicks,
        heartbeatIntervalTicks: s.heartbeatIntervalTicks,
        witnessElectionTimeoutTicks: s.witnessElectionTimeoutTicks,
        leaseTicks: s.leaseTicks,
        maxInflightMsgs: s.maxInflightMsgs,
        maxSizePerMsgBytes: s.maxSizePerMsgBytes,
        isWitness: m.witness,
      });
      const node = new SimNode({
        config, bootstrap: m.id === s.spare ? null : membership,
        snapshotEveryEntries: s.snapshotEveryEntries, keepEntriesAfterSnapshot: s.keepEntriesAfterSnapshot,
      });
      this.nodes.set(m.id, node);
    }
  }

  run(): SimulationResult {
    try {
      for (const n of this.nodes.values()) this.startNode(n);
      this.network.faults = this.scenario.faults;
      const faultTicks = this.options.faultTicks ?? this.scenario.faultTicks;
      while (this.tick < faultTicks) this.step(true);
      this.heal();
      this.recover();
    } catch (e) {
      if (!(e instanceof StopRun)) {
        const err = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e);
        this.checker.fail('crash', `tick ${this.tick}: ${err}`);
      }
    }
    this.stats.acked = this.acked.size;
    return { seed: this.options.seed, scenario: this.scenario, violations: this.checker.violations, ticks: this.tick, stats: this.stats };
  }

  private startNode(n: SimNode): void {
    n.start();
    this.checker.onRestart(n.id);
    this.observe(n);
  }

  /** One tick: faults, timers, client proposals, then messages and Readys until quiet. */
  private step(faulty: boolean): void {
    this.tick++;
    if (faulty) this.injectFaults();
    for (const [id, at] of this.restartAt) {
      if (at <= this.tick) {
        this.restartAt.delete(id);
        this.startNode(this.node(id));
      }
    }
    for (const [id, at] of this.resumeAt) {
      if (at <= this.tick) {
        this.resumeAt.delete(id);
        this.resume(this.node(id));
      }
    }
    if (this.healCutsAt >= 0 && this.tick >= this.healCutsAt) {
      this.network.heal();
      this.healCutsAt = -1;
    }
    for (const n of this.nodes.values()) {
      if (!n.up) continue;
      if (n.paused) {
        n.missedTicks++;
        continue;
      }
      n.raw?.tick();
      this.observe(n);
    }
    if (faulty) this.propose();
    this.settle();
    this.checkLeases();
  }

  /** A paused process resumes: its driver catches up the ticks its monotonic clock says it missed. */
  private resume(n: SimNode): void {
    n.paused = false;
    const missed = n.missedTicks;
    n.missedTicks = 0;
    // All at once, before the member acts on anything (its lease in particular).
    for (let i = 0; i < missed && n.raw !== null; i++) n.raw.tick();
    this.observe(n);
  }

  private settle(): void {
    for (let round = 0; round < 10_000; round++) {
      let progressed = false;
      for (const n of this.nodes.values()) {
        for (let k = 0; k < 100 && n.up && !n.paused && n.raw?.hasReady() === true; k++) {
          this.handleReady(n);
          progressed = true;
        }
      }
      const { deliver, cut } = this.network.takeDue(this.tick);
      for (const m of cut) this.undeliverable(m);
      for (const m of deliver) {
        progressed = true;
        this.deliver(m);
      }
      if (!progressed) return;
    }
    this.checker.fail('liveness', `tick ${this.tick}: messages and Readys did not settle within 10000 rounds`);
    throw new StopRun();
  }

  private deliver(m: Message): void {
    const target = this.nodes.get(m.to);
    if (target === undefined || target.raw === null) {
      this.undeliverable(m);
      return;
    }
    if (target.paused) {
      // The sender's socket buffers it; the paused process reads it after resuming.
      this.network.requeue(m, this.tick + 1);
      return;
    }
    target.raw.step(m);
    this.stats.delivered++;
    this.observe(target);
    if (m.type === 'installSnapshot') this.nodes.get(m.from)?.raw?.reportSnapshot(m.to, 'finish');
  }

  /** The transport noticed it could not deliver: tell the sender, as a real transport does. */
  private undeliverable(m: Message): void {
    const sender = this.nodes.get(m.from)?.raw;
    if (sender === undefined || sender === null) return;
    sender.reportUnreachable(m.to);
    if (m.type === 'installSnapshot') sender.reportSnapshot(m.to, 'failure');
  }

  private handleReady(n: SimNode): void {
    const midWrite = this.faulty && this.rng.chance(this.scenario.midWriteCrashRate) ? this.rng.fork() : null;
    const ok = n.handleReady(this.hooks, midWrite);
    if (!ok) this.afterCrash(n);
    else this.observe(n);
  }

  private readonly hooks: ReadyHooks = {
    onPersisted: (node, rd) => this.onPersisted(node, rd),
    send: (m) => {
      // A lost snapshot stream is noticed by the transport (a lost small message is not).
      if (!this.network.send(m, this.tick) && m.type === 'installSnapshot') this.undeliverable(m);
    },
    onSnapshotLoaded: (node, index, term) => {
      this.checker.onSnapshotLoaded(node.id, index, term);
      this.stopIfViolated();
    },
    onApply: (node, entry, proposalId, duplicate) => this.onApply(node, entry, proposalId, duplicate),
  };

  private onPersisted(n: SimNode, rd: Ready): void {
    if (rd.entries.length > 0) this.checker.onPersistEntries(n.id, rd.entries, n.storage);
    const s = n.status();
    if (s !== null) this.checker.onCommit(n.id, s.commit, s.term, n.storage, this.leaders());
    this.stopIfViolated();
  }

  private onApply(n: SimNode, entry: Entry, proposalId: string | null, duplicate: boolean): void {
    this.checker.onApply(n.id, entry);
    if (duplicate) this.checker.fail('exactly once', `${n.id} applied proposal ${proposalId ?? '?'} twice (again at ${entry.index})`);
    const key = `${n.id}:${entry.index}`;
    const p = this.pending.get(key);
    if (p !== undefined) {
      this.pending.delete(key);
      if (p.term === entry.term && proposalId === p.id) this.acked.add(p.id);
    }
    this.stopIfViolated();
  }

  private leaders(): Array<{ id: NodeId; term: number; storage: SimNode['storage'] }> {
    const out: Array<{ id: NodeId; term: number; storage: SimNode['storage'] }> = [];
    for (const v of this.views.values()) {
      if (v.role === 'leader') out.push({ id: v.id, term: v.term, storage: this.node(v.id).storage });
    }
    return out;
  }

  /** Refreshes what the checkers know of one member after it changed. */
  private observe(n: SimNode): void {
    const raw = n.raw;
    if (raw === null) {
      this.views.delete(n.id);
      return;
    }
    const s = raw.status();
    this.views.set(n.id, { id: n.id, role: s.role, term: s.term, leaseValid: s.leaseValid });
    if (s.role === 'leader') this.checker.onLeader(n.id, s.term, n.storage);
    this.checkLeases();
  }

  private checkLeases(): void {
    const live = [...this.views.values()].filter((v) => !this.node(v.id).paused);
    this.checker.checkLeases(live);
    this.stopIfViolated();
  }

  private stopIfViolated(): void {
    if (this.checker.violations.length > 0) throw new StopRun();
  }

  private node(id: NodeId): SimNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no member ${id}`);
    return n;
  }

  // ---- faults ----

  private injectFaults(): void {
    const s = this.scenario;
    const up = [...this.nodes.values()].filter((n) => n.up);
    if (up.length > 0 && this.rng.chance(s.crashRate)) {
      const n = this.rng.pick(up);
      n.crash(this.rng);
      this.afterCrash(n);
    }
    if (this.rng.chance(s.leaderCrashRate)) {
      // Crashing leaders mid-replication is what produces the logs of Raft Figure 8.
      const leader = up.find((n) => n.up && this.views.get(n.id)?.role === 'leader');
      if (leader !== undefined) {
        leader.crash(this.rng);
        this.afterCrash(leader);
      }
    }
    if (this.healCutsAt < 0 && this.rng.chance(s.partitionRate)) this.partition();
    const running = up.filter((n) => n.up && !n.paused);
    if (running.length > 0 && this.rng.chance(s.pauseRate)) {
      const n = this.rng.pick(running);
      n.paused = true;
      this.resumeAt.set(n.id, this.tick + this.rng.between(1, 2 * s.electionTimeoutTicks));
    }
    if (this.rng.chance(s.transferRate)) this.transfer();
    if (this.rng.chance(s.confChangeRate)) this.changeMembership();
    if (this.rng.chance(s.campaignRate) && running.length > 0) this.rng.pick(running).raw?.campaign();
  }

  private afterCrash(n: SimNode): void {
    this.stats.crashes++;
    for (const m of this.network.dropTo(n.id)) this.undeliverable(m);
    for (const key of [...this.pending.keys()]) if (key.startsWith(`${n.id}:`)) this.pending.delete(key);
    this.views.delete(n.id);
    this.restartAt.set(n.id, this.tick + this.rng.between(1, 3 * this.scenario.electionTimeoutTicks));
    this.resumeAt.delete(n.id);
  }

  private partition(): void {
    const ids = [...this.nodes.keys()];
    const kind = this.rng.int(4);
    if (kind === 0) {
      const lone = this.rng.pick(ids);
      this.network.partition([lone], ids.filter((x) => x !== lone));
    } else if (kind === 1) {
      const shuffled = this.rng.shuffle([...ids]);
      const cutAt = this.rng.between(1, ids.length - 1);
      this.network.partition(shuffled.slice(0, cutAt), shuffled.slice(cutAt));
    } else {
      const a = this.rng.pick(ids);
      const b = this.rng.pick(ids.filter((x) => x !== a));
      this.network.cut(a, b); // one way only: asymmetric links are the nastiest
      // ... or both ways of one link: the two ends still reach everyone else (tests leader stickiness).
      if (kind === 3) this.network.cut(b, a);
    }
    this.stats.partitions++;
    this.healCutsAt = this.tick + this.rng.between(5, 8 * this.scenario.electionTimeoutTicks);
  }

  private transfer(): void {
    const leader = [...this.nodes.values()].find((n) => n.up && !n.paused && this.views.get(n.id)?.role === 'leader');
    const m = leader?.status()?.membership;
    if (leader === undefined || leader.raw === null || m === undefined) return;
    const targets = m.voters.filter((id) => !m.witnesses.includes(id) && id !== leader.id);
    if (targets.length === 0) return;
    leader.raw.transferLeadership(this.rng.pick(targets));
    this.observe(leader);
  }

  /** Thesis §4: move one cycled member one step: out → learner → voter → out. */
  private changeMembership(): void {
    const leader = [...this.nodes.values()].find((n) => n.up && !n.paused && this.views.get(n.id)?.role === 'leader');
    const st = leader?.status();
    if (leader === undefined || leader.raw === null || st === null || st === undefined) return;
    const id = this.rng.pick(this.scenario.cycled);
    const m = st.membership;
    const type = m.voters.includes(id) ? 'removeNode' : m.learners.includes(id) ? 'addVoter' : 'addLearner';
    try {
      leader.raw.proposeConfChange({ type, nodeId: id });
      this.stats.confChanges++;
    } catch (e) {
      if (!(e instanceof ProposalDroppedError) && !(e instanceof InvalidConfChangeError) && !(e instanceof NotLeaderError)) throw e;
    }
    this.observe(leader);
  }

  private propose(): void {
    const count = this.rng.int(this.scenario.proposalsPerTickMax + 1);
    for (let i = 0; i < count; i++) {
      const leaders = [...this.nodes.values()].filter((n) => n.up && !n.paused && this.views.get(n.id)?.role === 'leader');
      if (leaders.length === 0) return;
      const n = this.rng.pick(leaders);
      const id = `p${++this.proposalSeq}`;
      try {
        const pos = n.raw?.propose(proposalData(id));
        if (pos === undefined) continue;
        this.stats.proposals++;
        this.pending.set(`${n.id}:${pos.index}`, { id, term: pos.term });
      } catch (e) {
        if (!(e instanceof NotLeaderError) && !(e instanceof ProposalDroppedError)) throw e;
      }
    }
  }

  // ---- healing ----

  private heal(): void {
    this.faulty = false;
    this.network.heal();
    this.healCutsAt = -1;
    this.network.faults = { dropRate: 0, duplicateRate: 0, maxDelayTicks: Math.min(1, this.scenario.faults.maxDelayTicks) } satisfies NetworkFaults;
    for (const id of [...this.restartAt.keys()]) {
      this.restartAt.delete(id);
      this.startNode(this.node(id));
    }
    for (const id of [...this.resumeAt.keys()]) {
      this.resumeAt.delete(id);
      this.resume(this.node(id));
    }
  }

  /**
   * After healing: a data leader within leaderBoundTicks, then every acknowledged proposal applied on
   * every data member (and every member caught up) within convergeBoundTicks.
   */
  private recover(): void {
    const s = this.scenario;
    const healTick = this.tick;
    const leaderBound = s.leaderAfterHealBoundTicks;
    while (this.dataLeader() === null) {
      if (this.tick - healTick >= leaderBound) {
        this.checker.fail('liveness', `no data leader ${leaderBound} ticks after healing (tick ${this.tick}): ${this.describeMembers()}`);
        return;
      }
      this.step(false);
    }
    this.stats.dataLeaderAfterHealTicks = this.tick - healTick;
    const leaderTick = this.tick;
    // With one entry per message and one message in flight, a follower catches up one entry per round
    // trip (≤ 2 ticks after healing): allow for the whole log on top of the fixed bound.
    const convergeBound = s.convergeBoundTicks + 2 * (this.dataLeader()?.status()?.lastIndex ?? 0);
    while (!this.converged()) {
      if (this.tick - leaderTick >= convergeBound) {
        this.checker.fail('liveness', `not converged ${convergeBound} ticks after a leader emerged (tick ${this.tick}): ${this.describeMembers()} ${this.missingAcks()}`);
        return;
      }
      this.step(false);
    }
    this.stats.convergedAfterHealTicks = this.tick - healTick;
  }

  private dataLeader(): SimNode | null {
    for (const n of this.nodes.values()) {
      if (n.up && !n.isWitness && this.views.get(n.id)?.role === 'leader') return n;
    }
    return null;
  }

  /** Current members, per the leader's configuration (a removed member is left where it is). */
  private members(): SimNode[] {
    const ls = this.dataLeader()?.status();
    if (ls === null || ls === undefined) return [];
    return [...ls.membership.voters, ...ls.membership.learners].map((id) => this.node(id));
  }

  private converged(): boolean {
    const leader = this.dataLeader();
    const ls = leader?.status();
    if (leader === null || ls === null || ls === undefined) return false;
    for (const n of this.members()) {
      const st = n.status();
      if (st === null || st.commit !== ls.lastIndex || st.applied !== st.commit) return false;
      if (n.stateMachine !== null) {
        for (const id of this.acked) if (!n.stateMachine.ids.has(id)) return false;
      }
    }
    return true;
  }

  private missingAcks(): string {
    const out: string[] = [];
    for (const n of this.members()) {
      if (n.stateMachine === null) continue;
      const missing = [...this.acked].filter((id) => !n.stateMachine?.ids.has(id));
      if (missing.length > 0) out.push(`${n.id} misses ${missing.length} acked (${missing.slice(0, 3).join(',')})`);
    }
    return out.join('; ');
  }

  describeMembers(): string {
    return [...this.nodes.values()].map((n) => {
      const s = n.status();
      if (s === null) return `${n.id}:down`;
      return `${n.id}:${s.role}/t${s.term}/c${s.commit}/a${s.applied}/l${s.lastIndex}${n.isWitness ? '/w' : ''}`;
    }).join(' ');
  }
}

export function runSimulation(options: SimulationOptions): SimulationResult {
  return new Simulation(options).run();
}
