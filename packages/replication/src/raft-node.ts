import { MessageChannel } from 'node:worker_threads';
import { startModuleWorker } from '@tandem/config';
import type { ConfChange, EntryType, Membership, NodeId } from '@tandem/raft';
import type { DegradedPolicy, EngineOptions, EngineToHost, HostToEngine, NodeStatus } from './engine-protocol.js';
import { packPayloads, unpackPayloads } from './packed-payloads.js';
import { monoNowMs } from './engine-protocol.js';
import { NodeClosedError, NotLeaderError, ProposalRejectedError } from './errors.js';
import { crashProcess, type FatalHandler } from './fatal-handler.js';
import type { PeerAddress } from './peer-link.js';
import type { LinkProtection } from './secure-connection.js';
import { ProposalTracker } from './proposal-tracker.js';
import { RaftEngine, type EngineSeams } from './raft-engine.js';
import { replicationLimits } from './replication-limits.js';

/**
 * A Raft member as the application sees it: propose(data) resolves with the state machine's result
 * once the entry is committed (on a quorum's disks) and applied here.
 *
 * WHERE THE CORE RUNS: in a worker thread (the default). The core, the log's fsyncs, the transport
 * and the tick timer live there, so SMTP/IMAP work on the main thread — a 50 MB MIME parse, a
 * big IMAP SEARCH, a long GC of the main heap — cannot delay heartbeats past the election timeout
 * and cause a needless failover. A test on the main thread could only show that heartbeats keep
 * time under the load it happens to generate; one synchronous 2 s task would break that promise,
 * while the worker keeps it for any load on the main thread (raft-node.test.ts checks it with the
 * main thread blocked). Only apply() (the state machine) runs on the host thread, fed in order.
 * `inThread: true` runs the same engine over an in-thread MessageChannel (same protocol), for
 * tools that cannot start workers.
 */
export interface CommittedEntry {
  index: number;
  term: number;
  type: EntryType;
  data: Uint8Array;
}

export interface StateMachine<R> {
  /** Applies one committed entry; deterministic (DESIGN §3). A throw is fatal: an entry cannot be skipped. */
  apply(entry: CommittedEntry): Promise<R> | R;
  /**
   * A hint, called for every entry of a run of committed entries before the first of them is
   * applied: it will be applied, exactly as it is, after those before it. Work done here must not
   * change any result (e.g. writing a message file early). Optional.
   */
  prepare?(entry: CommittedEntry): void;
  /** Writes the whole state, as of the last applied entry, to a new file at `path`. */
  snapshot?(path: string): Promise<void>;
  /** Replaces the whole state with the snapshot file at `path`, taken at `index`. */
  restore?(path: string, index: number): Promise<void>;
}

export interface RaftNodeOptions<R> {
  id: NodeId;
  dataDir: string;
  listen: PeerAddress;
  /** Every other member and its addresses (first preferred; the rest are failover links). */
  peers: Record<NodeId, PeerAddress[]>;
  /** The cluster secret shared by all members (≥ 16 bytes). */
  secret: Uint8Array;
  /**
   * How frames between members are protected, the same on every member: "encrypt" (default,
   * AES-256-GCM) or "authenticate" (AES-256-GMAC, bodies in the clear: only on a private network or
   * inside WireGuard/IPsec). A member set differently fails the handshake (secure-connection.ts).
   */
  linkProtection?: LinkProtection;
  /** Members of a new cluster that are witnesses (default none). Ignored once dataDir holds state. */
  witnesses?: NodeId[];
  /** Founding configuration; default: every id in peers plus this one as voters (witnesses as listed). */
  bootstrap?: Membership;
  /** This member joins an existing cluster: no founding configuration; the leader sends the log (thesis §4.1). */
  join?: boolean;
  /** This member is a witness: it votes and stores the log but applies nothing (no stateMachine). */
  witness?: boolean;
  stateMachine?: StateMachine<R>;
  /** The state machine's durable applied index at start (default 0). */
  appliedIndex?: number;
  /**
   * Core tick length, default 10 ms. Ticks follow the monotonic clock (late timers catch up), and the
   * timeouts below are rounded to whole ticks, so 10 ms gives 2 % resolution on a 500 ms election
   * timeout while costing the worker only 100 cheap wake-ups a second. Defaults: elections after
   * 500–1000 ms without a leader (a new leader well inside the 2 s failover budget), heartbeats
   * every 50 ms, a lease of 400 ms (< the minimum election timeout, DESIGN §4), witness elections
   * after 1000–2000 ms (so a data member normally wins, DESIGN §2).
   */
  tickMs?: number;
  electionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  leaseMs?: number;
  witnessElectionTimeoutMs?: number;
  /** A proposal not applied within this rejects with TimeoutError (outcome unknown). */
  proposeTimeoutMs?: number;
  /**
   * DESIGN §3 hot standby: "while both data nodes are healthy, the leader also waits for the other
   * data node's ack". A proposal then resolves once its entry is committed and applied here AND the
   * other data voter holds it on disk (its matchIndex) — or that voter counts as down (degraded mode:
   * leader + witness commit; the entry is still on two disks). true: wait for every other data voter;
   * false: never wait; default: on when the configuration has exactly two data voters.
   */
  hotStandby?: boolean;
  /**
   * A data voter not heard from for this long, or not reaching a commit index within it, counts as
   * down (status().degraded). Measured on the monotonic clock in the engine. Default: electionTimeoutMs.
   */
  dataPeerDownMs?: number;
  /** While degraded: 'accept' (default) or 'refuse' — new proposals reject with DegradedError, nothing proposed. */
  degradedPolicy?: DegradedPolicy;
  snapshotIntervalEntries?: number;
  maxSizePerMsgBytes?: number;
  maxInflightMsgs?: number;
  maxUncommittedSizeBytes?: number;
  segmentBytesMax?: number;
  transport?: Partial<EngineOptions['transport']>;
  inThread?: boolean;
  /** Test seams for the engine (a stalled disk, ...); only with `inThread: true`. */
  engineSeams?: EngineSeams;
  /** Called when the engine fails (fsync error, invariant). Default: crash the process. */
  onFatal?: FatalHandler;
}

export type RaftNodeStatus = NodeStatus & { appliedIndex: number; hasLease: boolean };

interface EngineLink {
  post(m: HostToEngine, transfer?: ArrayBuffer[]): void;
  stop(): Promise<void>;
}

const appliedReportMs = 50;

type Task = { kind: 'apply'; entries: CommittedEntry[] } | { kind: 'restore'; index: number; path: string } | { kind: 'snapshot'; path: string };

export class RaftNode<R = unknown> {
  private link!: EngineLink;
  private latest: NodeStatus | undefined;
  private appliedIndex: number;
  private readonly tracker = new ProposalTracker<R>(replicationLimits.proposalsPendingMax);
  /** Conf changes resolve with their log index; ids start far above the data proposals'. */
  private readonly confTracker = new ProposalTracker<number>(16, 2 ** 50);
  private outbox: Array<{ id: number; data: Uint8Array }> = [];
  private readonly tasks: Task[] = [];
  private draining = false;
  private queuedIndex: number;
  private closed = false;
  private startWaiter: { resolve: () => void; reject: (e: Error) => void } | undefined;
  private closeWaiter: (() => void) | undefined;
  private readonly statusListeners = new Set<(s: RaftNodeStatus) => void>();
  private readonly onFatal: FatalHandler;
  private appliedTimer: NodeJS.Timeout | undefined;
  private failed = false;
  /**
   * Hot standby, as the engine last said (a 'standby' message): proposals whose entries are at or
   * below ackIndex resolve when applied; above it they are held until it rises. Not live (no longer
   * leader): held ones and later ones above it end with LeadershipLostError (cannot confirm).
   */
  private standbyAckIndex = 0;
  private standbyLive = false;
  port = 0;

  private constructor(private readonly options: RaftNodeOptions<R>) {
    this.appliedIndex = options.appliedIndex ?? 0;
    this.queuedIndex = this.appliedIndex;
    this.onFatal = options.onFatal ?? crashProcess;
  }

  static async start<R>(options: RaftNodeOptions<R>): Promise<RaftNode<R>> {
    if (options.witness !== true && options.stateMachine === undefined) throw new RangeError('a data member needs a stateMachine');
    const node = new RaftNode<R>(options);
    const started = new Promise<void>((resolve, reject) => { node.startWaiter = { resolve, reject }; });
    const engineOptions = engineOptionsOf(options);
    if (options.engineSeams !== undefined && options.inThread !== true) throw new RangeError('engineSeams need inThread: true');
    node.link = options.inThread === true
      ? inThreadLink(engineOptions, (m) => node.onEngine(m), options.engineSeams)
      : workerLink(engineOptions, (m) => node.onEngine(m), (e) => node.fail(e));
    await started;
    return node;
  }

  /**
   * Proposes a command. Resolves with apply()'s result after the entry is committed and applied
   * here (and, with hot standby, held by the other data voter unless it counts as down); rejects with
   * NotLeaderError or DegradedError (nothing proposed), LeadershipLostError or TimeoutError
   * (outcome unknown), ProposalRejectedError / NodeClosedError (nothing proposed).
   */
  propose(data: Uint8Array, timeoutMs = this.options.proposeTimeoutMs ?? 10_000): Promise<R> {
    if (this.closed) return Promise.reject(new NodeClosedError());
    if (data.byteLength === 0) return Promise.reject(new ProposalRejectedError('empty data is reserved for the leader no-op (Raft §8)'));
    // Checked here, not by the log store: an entry the store refuses after the core appended it would be fatal.
    if (data.byteLength > replicationLimits.recordBytesMax) {
      return Promise.reject(new ProposalRejectedError(`${data.byteLength} bytes is over the ${replicationLimits.recordBytesMax}-byte entry limit`));
    }
    if (this.latest !== undefined && this.latest.role !== 'leader') return Promise.reject(new NotLeaderError(this.latest.leader));
    let added;
    try {
      added = this.tracker.add(timeoutMs);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    // Proposals made in one turn travel to the engine in one message.
    if (this.outbox.length === 0) queueMicrotask(() => this.flushOutbox());
    this.outbox.push({ id: added.id, data });
    return added.done;
  }

  /** Proposes a single-server membership change (thesis §4.1); resolves with its index once applied here. */
  proposeConfChange(change: ConfChange, timeoutMs = this.options.proposeTimeoutMs ?? 10_000): Promise<number> {
    if (this.closed) return Promise.reject(new NodeClosedError());
    let added;
    try {
      added = this.confTracker.add(timeoutMs);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    this.link.post({ t: 'proposeConfChange', id: added.id, change });
    return added.done;
  }

  /** Hands leadership to `to` (thesis §3.10); watch status() for the outcome. */
  transferLeadership(to: NodeId): void {
    this.link.post({ t: 'transferLeadership', to });
  }

  status(): RaftNodeStatus {
    const s = this.latest!;
    // A witness applies nothing: what it has "applied" is what its engine handed out (to nobody).
    const appliedIndex = s.isWitness ? s.dispatchedIndex : this.appliedIndex;
    return { ...s, appliedIndex, hasLease: s.leaseValid && monoNowMs() < s.leaseExpiresAtMonoMs };
  }

  /** True while this member leads and its lease has not run out (DESIGN §4: reads, the VIP). */
  hasLease(): boolean {
    return this.status().hasLease;
  }

  onStatus(listener: (s: RaftNodeStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Stops the engine (transport, timers, files); pending proposals end (see ProposalTracker.closeAll). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const done = new Promise<void>((resolve) => { this.closeWaiter = resolve; });
    if (this.appliedTimer !== undefined) clearTimeout(this.appliedTimer);
    this.link.post({ t: 'close' });
    await done;
    await this.link.stop();
    this.tracker.closeAll();
    this.confTracker.closeAll();
  }

  private flushOutbox(): void {
    const items = this.outbox;
    this.outbox = [];
    if (items.length === 0) return;
    // Shared memory: the engine's entries are views into it, and its commits come back by reference.
    const payloads = packPayloads(items.map((i) => i.data), { shared: true });
    this.link.post({ t: 'propose', ids: items.map((i) => i.id), payloads });
  }

  private onEngine(m: EngineToHost): void {
    switch (m.t) {
      case 'started':
        this.port = m.port;
        this.setStatus(m.status);
        this.startWaiter?.resolve();
        return;
      case 'proposeResults':
        for (const r of m.results) (this.confTracker.has(r.id) ? this.confTracker : this.tracker).onResult(r);
        return;
      case 'commit': {
        const datas = unpackPayloads(m.payloads);
        this.enqueue({ kind: 'apply', entries: m.entries.map((e, k) => ({ ...e, data: datas[k]! })) });
        this.queuedIndex = m.entries[m.entries.length - 1]?.index ?? this.queuedIndex;
        return;
      }
      case 'restore':
        this.enqueue({ kind: 'restore', index: m.snapshot.index, path: m.snapshot.path });
        this.queuedIndex = Math.max(this.queuedIndex, m.snapshot.index);
        return;
      case 'takeSnapshot':
        this.enqueue({ kind: 'snapshot', path: m.path });
        return;
      case 'status':
        this.setStatus(m.status);
        return;
      case 'standby':
        this.standbyAckIndex = m.ackIndex;
        this.standbyLive = true;
        this.tracker.releaseThrough(m.ackIndex);
        return;
      case 'leadershipLost':
        this.tracker.onLeadershipLost(this.queuedIndex);
        this.confTracker.onLeadershipLost(this.queuedIndex);
        this.standbyLive = false;
        this.tracker.failHeldAbove(this.standbyAckIndex);
        return;
      case 'failed':
        this.fail(new Error(`raft engine failed: ${m.message}`));
        return;
      case 'closed':
        this.closeWaiter?.();
        return;
    }
  }

  private setStatus(s: NodeStatus): void {
    this.latest = s;
    if (this.statusListeners.size === 0) return;
    const full = this.status();
    for (const l of this.statusListeners) l(full);
  }

  private enqueue(task: Task): void {
    this.tasks.push(task);
    if (!this.draining) void this.drain();
  }

  /** Applies, restores and snapshots strictly in the order the engine sent them. */
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      for (let task = this.tasks.shift(); task !== undefined; task = this.tasks.shift()) await this.run(task);
    } catch (e) {
      this.fail(e as Error);
    } finally {
      this.draining = false;
    }
  }

  private async run(task: Task): Promise<void> {
    const sm = this.options.stateMachine;
    if (task.kind === 'apply') {
      const applies = (e: CommittedEntry): boolean => e.index > this.appliedIndex && e.type === 'normal' && e.data.byteLength > 0;
      if (sm?.prepare) for (const e of task.entries) if (applies(e)) sm.prepare(e);
      for (const e of task.entries) {
        if (e.index <= this.appliedIndex) continue;
        if (applies(e)) this.onApplied(e, await sm!.apply(e));
        else if (e.type === 'confChange') this.confTracker.onApplied(e.index, e.term, e.index);
        this.appliedIndex = e.index;
      }
      this.reportApplied();
    } else if (task.kind === 'restore') {
      if (sm?.restore === undefined) throw new Error('a snapshot must be restored but the state machine has no restore()');
      await sm.restore(task.path, task.index);
      this.appliedIndex = task.index;
      this.link.post({ t: 'restored', index: task.index });
      this.link.post({ t: 'applied', index: this.appliedIndex });
    } else {
      let ok = false;
      let error: string | undefined;
      try {
        if (sm?.snapshot !== undefined) {
          await sm.snapshot(task.path);
          ok = true;
        }
      } catch (e) {
        error = (e as Error).message;
      }
      this.link.post({ t: 'snapshotWritten', path: task.path, index: this.appliedIndex, ok, ...(error === undefined ? {} : { error }) });
    }
  }

  /** Applied here: resolve now, hold for the hot standby, or (no longer leader, not confirmed) fail. */
  private onApplied(e: CommittedEntry, value: R): void {
    if (e.index <= this.standbyAckIndex) {
      this.tracker.onApplied(e.index, e.term, value);
    } else if (this.standbyLive) {
      this.tracker.onApplied(e.index, e.term, value, true);
    } else {
      this.tracker.onApplied(e.index, e.term, value, true);
      this.tracker.failHeldAbove(this.standbyAckIndex);
    }
  }

  /**
   * The engine needs the applied index only for its snapshot policy, so it is reported at most
   * every appliedReportMs rather than once per applied batch (a message per Ready is measurable).
   */
  private reportApplied(): void {
    if (this.appliedTimer !== undefined) return;
    this.appliedTimer = setTimeout(() => {
      this.appliedTimer = undefined;
      if (!this.closed) this.link.post({ t: 'applied', index: this.appliedIndex });
    }, appliedReportMs);
  }

  /** The engine failed (fsync error, corruption, invariant): nothing here may continue. */
  private fail(error: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.closed = true;
    this.startWaiter?.reject(error);
    this.tracker.closeAll();
    this.confTracker.closeAll();
    this.closeWaiter?.();
    if (this.appliedTimer !== undefined) clearTimeout(this.appliedTimer);
    void this.link.stop();
    this.onFatal(error);
  }
}

function engineOptionsOf<R>(o: RaftNodeOptions<R>): EngineOptions {
  const tickMs = o.tickMs ?? 10;
  const ticks = (ms: number): number => Math.max(1, Math.round(ms / tickMs));
  const electionTimeoutTicks = ticks(o.electionTimeoutMs ?? 500);
  return {
    id: o.id,
    dataDir: o.dataDir,
    listen: o.listen,
    peers: o.peers,
    bootstrap: o.join === true ? undefined
      : o.bootstrap ?? { voters: [o.id, ...Object.keys(o.peers)].sort(), witnesses: o.witnesses ?? [], learners: [] },
    secret: o.secret,
    linkProtection: o.linkProtection ?? 'encrypt',
    isWitness: o.witness === true,
    tickMs,
    electionTimeoutTicks,
    heartbeatIntervalTicks: ticks(o.heartbeatIntervalMs ?? 50),
    witnessElectionTimeoutTicks: ticks(o.witnessElectionTimeoutMs ?? 2 * (o.electionTimeoutMs ?? 500)),
    leaseTicks: ticks(o.leaseMs ?? 0.8 * (o.electionTimeoutMs ?? 500)), // 20 % margin for clock-rate drift
    appliedIndex: o.appliedIndex ?? 0,
    snapshotIntervalEntries: o.snapshotIntervalEntries ?? 100_000,
    maxSizePerMsgBytes: o.maxSizePerMsgBytes ?? replicationLimits.messageBytesMax,
    maxInflightMsgs: o.maxInflightMsgs ?? replicationLimits.inflightMessagesMax,
    maxUncommittedSizeBytes: o.maxUncommittedSizeBytes ?? replicationLimits.uncommittedBytesMax,
    segmentBytesMax: o.segmentBytesMax ?? replicationLimits.segmentBytesMax,
    hotStandby: o.hotStandby,
    dataPeerDownMs: o.dataPeerDownMs ?? o.electionTimeoutMs ?? 500,
    degradedPolicy: o.degradedPolicy ?? 'accept',
    transport: {
      pingIntervalMs: 100, linkTimeoutMs: 400, primaryProbeIntervalMs: 500, inflightBytesMax: replicationLimits.peerInflightBytesMax,
      ...o.transport,
    },
  };
}

/** Runs the engine in a worker thread (raft-worker.ts). */
function workerLink(options: EngineOptions, onMessage: (m: EngineToHost) => void, onError: (e: Error) => void): EngineLink {
  const worker = startModuleWorker(import.meta.url, 'raft-worker', { workerData: options });
  let stopping = false;
  worker.on('message', onMessage);
  worker.on('error', (e) => onError(e));
  worker.on('exit', (code) => {
    if (!stopping) onError(new Error(`raft worker exited with code ${code}`));
  });
  return {
    post: (m, transfer) => worker.postMessage(m, transfer),
    stop: async () => {
      stopping = true;
      await worker.terminate();
    },
  };
}

/** Runs the engine on this thread, over a MessageChannel (same messages, same cloning as the worker). */
function inThreadLink(options: EngineOptions, onMessage: (m: EngineToHost) => void, seams: EngineSeams = {}): EngineLink {
  const channel = new MessageChannel();
  channel.port2.on('message', onMessage);
  let handler: ((m: HostToEngine) => void) | undefined;
  const early: HostToEngine[] = [];
  channel.port1.on('message', (m: HostToEngine) => (handler === undefined ? early.push(m) : handler(m)));
  void RaftEngine.start(options, {
    post: (m, transfer) => channel.port1.postMessage(m, transfer),
    onMessage: (h) => {
      handler = h;
      for (const m of early.splice(0)) h(m);
    },
  }, seams).catch((e: unknown) => channel.port1.postMessage({ t: 'failed', message: String((e as Error)?.stack ?? e) } satisfies EngineToHost));
  return {
    post: (m, transfer) => channel.port2.postMessage(m, transfer),
    stop: async () => {
      channel.port1.close();
      channel.port2.close();
    },
  };
}
