import {
  decodeConfChange, defaultRaftConfig, NotLeaderError, ProposalDroppedError, RaftError, RawNode, type Message,
  type NodeId, type Ready, type Role,
} from '@tandem/raft';
import { writeFile } from 'node:fs/promises';
import { FileStorage } from './file-storage.js';
import type { FatalHandler } from './fatal-handler.js';
import type {
  EngineOptions, EngineToHost, HostToEngine, NodeStatus, ProposeResult, WireEntryHead,
} from './engine-protocol.js';
import { monoNowMs } from './engine-protocol.js';
import { packPayloads, transferList, unpackPayloads } from './packed-payloads.js';
import { maySendBeforePersist } from './send-before-persist.js';
import type { PeerAddress } from './peer-link.js';
import { replicationLimits } from './replication-limits.js';
import { SnapshotReceiver } from './snapshot-receiver.js';
import { SnapshotSender } from './snapshot-sender.js';
import { StandbyTracker } from './standby-tracker.js';
import type { SnapshotMeta } from './snapshot-store.js';
import { TcpTransport } from './tcp-transport.js';

/** Test seams of an in-thread engine (functions cannot cross into a worker thread). */
export interface EngineSeams {
  /** Awaited before each fdatasync of a log segment: a slow or stalled disk (FileLogStoreOptions.beforeSync). */
  logBeforeSync?: (path: string) => Promise<void>;
  /** Replaces ending the process on a fatal storage error (the engine still fails and stops). */
  onStorageFatal?: FatalHandler;
}

/**
 * The driver loop of one member: the RawNode, its durable storage, the transport and the tick timer.
 * It runs in a worker thread (see raft-node.ts for why) and talks to the host only through
 * EngineToHost / HostToEngine messages.
 *
 * The Ready contract (packages/raft/src/ready.ts), as done here:
 *  1. persist: snapshot (already durable in the snapshot store) → log reset; entries → FileLogStore
 *     (fsync, group commit); term/vote → FileStableStore (fsync + rename). All awaited.
 *  2. only then send the messages (installSnapshot becomes a chunked stream). One exception, the
 *     leader's own replication messages (thesis §10.2.1), is argued in send-before-persist.ts.
 *  3. hand the snapshot (restore) and committed entries to the host, which applies them in order.
 *  4. advance().
 * Steps and ticks that arrive while step 1 is awaited go straight into the RawNode; proposals are
 * queued and enter it as one batch (RawNode.proposeBatch) when the loop comes round. The next Ready
 * carries all of them, so one fsync covers many proposals (group commit across Readies).
 */
export interface EnginePort {
  post(message: EngineToHost, transfer?: ArrayBuffer[]): void;
  onMessage(handler: (message: HostToEngine) => void): void;
}

export class RaftEngine {
  private node!: RawNode;
  private transport!: TcpTransport;
  private sender!: SnapshotSender;
  private receiver!: SnapshotReceiver;
  private tickTimer: NodeJS.Timeout | undefined;
  private lastTickMs = 0;
  /** When onTimer last ran (monotonic ms): a longer gap than a tick is this thread's own stall. */
  private lastTimerMs = 0;
  private ticks = 0;
  private running = false;
  private scheduled = false;
  private closing = false;
  private role: Role = 'follower';
  private term = 0;
  private dispatchedIndex: number;
  private hostAppliedIndex: number;
  private snapshotInProgress = false;
  private lastStatusKey = '';
  private readonly restoreWaiters: Array<() => void> = [];
  /** Proposals received from the host and not yet handed to the core (see flushProposals). */
  private proposalQueue: Array<{ id: number; data: Uint8Array }> = [];
  /** DESIGN §3 hot standby, decided here on the monotonic clock; the host holds answers by it. */
  private readonly standby: StandbyTracker;
  /** The last (ackIndex, degraded) posted to the host in this leader term, as a key; '' = none yet. */
  private standbyPosted = '';
  private readonly peers: Record<NodeId, PeerAddress[]>;

  private constructor(private readonly options: EngineOptions, private readonly storage: FileStorage, private readonly port: EnginePort) {
    this.dispatchedIndex = options.appliedIndex;
    this.hostAppliedIndex = options.appliedIndex;
    this.peers = { ...options.peers };
    this.standby = new StandbyTracker({ selfId: options.id, hotStandby: options.hotStandby, dataPeerDownMs: options.dataPeerDownMs });
  }

  static async start(options: EngineOptions, port: EnginePort, seams: EngineSeams = {}): Promise<RaftEngine> {
    const storage = await FileStorage.open({
      dir: options.dataDir, appliedIndex: options.appliedIndex,
      ...(options.bootstrap === undefined ? {} : { bootstrapMembership: options.bootstrap }),
      log: { segmentBytesMax: options.segmentBytesMax, ...(seams.logBeforeSync === undefined ? {} : { beforeSync: seams.logBeforeSync }) },
      ...(seams.onStorageFatal === undefined ? {} : { onFatal: seams.onStorageFatal }),
    });
    const engine = new RaftEngine(options, storage, port);
    port.onMessage((m) => engine.onHostMessage(m));
    await engine.restoreIfBehind();
    engine.node = new RawNode(defaultRaftConfig({
      id: options.id,
      rand: Math.random,
      electionTimeoutTicks: options.electionTimeoutTicks,
      heartbeatIntervalTicks: options.heartbeatIntervalTicks,
      witnessElectionTimeoutTicks: options.witnessElectionTimeoutTicks,
      leaseTicks: options.leaseTicks,
      maxSizePerMsgBytes: options.maxSizePerMsgBytes,
      maxInflightMsgs: options.maxInflightMsgs,
      maxUncommittedSizeBytes: options.maxUncommittedSizeBytes,
      isWitness: options.isWitness,
      applied: engine.dispatchedIndex,
    }), storage);
    engine.sender = new SnapshotSender(storage.snapshots, (to, kind, parts) => engine.transport.sendFrame(to, kind, parts),
      (to, result) => {
        engine.node.reportSnapshot(to, result);
        engine.schedule();
      }, {
        chunkBytes: replicationLimits.snapshotChunkBytes,
        chunksInflightMax: replicationLimits.snapshotChunksInflightMax,
        idleTimeoutMs: 10 * options.electionTimeoutTicks * options.tickMs,
      });
    engine.receiver = new SnapshotReceiver(storage.snapshots, (message) => {
      if (engine.closing) return;
      engine.node.step(message);
      engine.schedule();
    });
    engine.transport = await TcpTransport.start({
      id: options.id, listen: options.listen, peers: options.peers, secret: options.secret, linkProtection: options.linkProtection,
      ...options.transport,
    }, {
      onMessages: (messages) => engine.onPeerMessages(messages),
      onUnreachable: (peer) => engine.node.reportUnreachable(peer),
      onSnapshotFrame: (from, kind, body, reply) => engine.receiver.onFrame(from, kind, body, reply),
      onSnapshotAck: (from, body) => engine.sender.onAck(from, body),
    });
    engine.lastTickMs = monoNowMs();
    engine.lastTimerMs = engine.lastTickMs;
    engine.tickTimer = setInterval(() => engine.onTimer(), options.tickMs);
    port.post({ t: 'started', port: engine.transport.port, status: engine.status() });
    engine.schedule();
    return engine;
  }

  /** A snapshot newer than the state machine must be loaded before any entry after it is applied. */
  private async restoreIfBehind(): Promise<void> {
    const snap = this.storage.latestSnapshot();
    if (snap.index <= this.dispatchedIndex) return;
    if (!this.options.isWitness) {
      const restored = new Promise<void>((resolve) => this.restoreWaiters.push(resolve));
      this.port.post({ t: 'restore', snapshot: { index: snap.index, term: snap.term, path: this.storage.snapshots.dataPath(snap) } });
      await restored;
    }
    this.dispatchedIndex = snap.index;
    this.hostAppliedIndex = snap.index;
  }

  private onHostMessage(m: HostToEngine): void {
    switch (m.t) {
      case 'propose': {
        // Held until the ready loop runs (flushProposals): everything the host sent in this turn of
        // the worker becomes ONE batch in the log and one appendEntries per follower.
        const datas = unpackPayloads(m.payloads);
        for (let k = 0; k < m.ids.length; k++) this.proposalQueue.push({ id: m.ids[k]!, data: datas[k]! });
        break;
      }
      case 'proposeConfChange':
        this.flushProposals(); // in the order the host made them
        this.port.post({ t: 'proposeResults', results: [this.propose(m.id, () => this.node.proposeConfChange(m.change))] });
        break;
      case 'applied':
        this.hostAppliedIndex = Math.max(this.hostAppliedIndex, m.index);
        this.maybeSnapshot();
        return;
      case 'restored':
        for (const wake of this.restoreWaiters.splice(0)) wake();
        return;
      case 'snapshotWritten':
        void this.adoptHostSnapshot(m.path, m.index, m.ok);
        return;
      case 'transferLeadership':
        try {
          this.node.transferLeadership(m.to);
        } catch (e) {
          if (!(e instanceof RaftError)) throw e;
        }
        break;
      case 'campaign':
        this.node.campaign();
        break;
      case 'close':
        void this.close();
        return;
    }
    this.schedule();
  }

  private propose(id: number, run: () => { index: number; term: number }): ProposeResult {
    if (this.closing) return { id, failure: { kind: 'dropped', reason: 'closed', detail: 'node is closing' } };
    try {
      return { id, ...run() };
    } catch (e) {
      if (e instanceof NotLeaderError) return { id, failure: { kind: 'notLeader', leaderHint: e.leaderHint } };
      if (e instanceof ProposalDroppedError) return { id, failure: { kind: 'dropped', reason: e.reason, detail: e.message } };
      if (e instanceof RaftError) return { id, failure: { kind: 'dropped', reason: 'invalid', detail: e.message } };
      throw e;
    }
  }

  /**
   * Proposes everything queued since the last call as one batch (RawNode.proposeBatch) and tells
   * the host where each landed — before any Ready that could commit them is dispatched, so the host
   * knows each proposal's index when its entry is applied.
   */
  private flushProposals(): void {
    const queue = this.proposalQueue;
    if (queue.length === 0) return;
    this.proposalQueue = [];
    this.port.post({ t: 'proposeResults', results: this.proposeAll(queue) });
  }

  private proposeAll(queue: Array<{ id: number; data: Uint8Array }>): ProposeResult[] {
    // propose() answers 'closed' without running anything while closing.
    if (this.closing) return queue.map((p) => this.propose(p.id, () => this.node.propose(p.data)));
    if (this.options.degradedPolicy === 'refuse') {
      this.updateStandby();
      // DESIGN §3, policy refuse: checked BEFORE proposing, so a refusal means nothing is in the log.
      if (this.standby.degraded) {
        const downPeers = this.standby.downPeers();
        return queue.map((p) => ({ id: p.id, failure: { kind: 'degraded', downPeers } }));
      }
    }
    try {
      const positions = this.node.proposeBatch(queue.map((p) => p.data));
      return positions.map((pos, k) => ({ id: queue[k]!.id, ...pos }));
    } catch (e) {
      // A batch is all or nothing. Over the uncommitted-bytes limit, admit what fits one by one (each
      // as propose() would) rather than refusing everything that arrived together.
      const oneByOne = e instanceof ProposalDroppedError && e.reason === 'uncommittedLimit';
      return queue.map((p) => this.propose(p.id, () => {
        if (oneByOne) return this.node.propose(p.data);
        throw e;
      }));
    }
  }

  private onPeerMessages(messages: Message[]): void {
    if (this.closing) return;
    const now = monoNowMs();
    for (const m of messages) {
      this.standby.heard(m.from, now);
      this.node.step(m);
    }
    this.schedule();
  }

  /**
   * Ticks follow the monotonic clock, not the number of timer callbacks: a late timer (GC pause,
   * busy thread) catches up, so timeouts and the lease expire in real time and never later.
   */
  private onTimer(): void {
    if (this.closing) return;
    const now = monoNowMs();
    const due = Math.floor((now - this.lastTickMs) / this.options.tickMs);
    for (let i = 0; i < due; i++) this.node.tick();
    this.lastTickMs += due * this.options.tickMs;
    this.ticks += due;
    this.sender.checkTimeouts();
    // A data peer that fell silent makes the leader degraded on time; a late timer is our own stall.
    this.standby.stalled(now - this.lastTimerMs - this.options.tickMs);
    this.lastTimerMs = now;
    this.updateStandby();
    if (this.ticks % 10 < due || due >= 10) this.postStatus(true);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.running || this.closing) return;
    this.scheduled = true;
    // setImmediate (not a microtask): every message already read from the sockets in this turn is
    // stepped first, so one Ready (and one fsync) covers them all.
    setImmediate(() => {
      this.scheduled = false;
      void this.runReadyLoop();
    });
  }

  private async runReadyLoop(): Promise<void> {
    if (this.running || this.closing) return;
    this.running = true;
    try {
      for (;;) {
        this.flushProposals();
        if (this.closing || !this.node.hasReady()) break;
        const rd = this.node.ready();
        const early = maySendBeforePersist(rd, this.role, this.storage.stable.hardState());
        if (early) this.send(rd.messages);
        await this.persist(rd);
        if (!early) this.send(rd.messages);
        // Before the commit it may concern: the host then answers at apply time without a round trip.
        if ((rd.softState?.role ?? this.role) === 'leader') this.updateStandby();
        this.dispatch(rd);
        this.node.advance(rd);
      }
    } catch (e) {
      // Fatal (a storage error has already ended the process unless a test replaced that): stop
      // everything here and let the host fail; nothing after this point may be trusted.
      this.port.post({ t: 'failed', message: e instanceof Error ? e.stack ?? e.message : String(e) });
      this.halt();
      return;
    } finally {
      this.running = false;
    }
    this.postStatus(false);
  }

  /** Ready step 1, in the contract's order: snapshot, entries, hard state; each awaited (fsync). */
  private async persist(rd: Ready): Promise<void> {
    if (rd.snapshot !== undefined) {
      const { index, term } = rd.snapshot.metadata;
      const meta = this.storage.snapshots.find(index, term);
      if (meta === undefined) throw new Error(`invariant: the core installs snapshot ${index}/${term} that is not in the store`);
      await this.storage.installSnapshot(meta);
    }
    if (rd.entries.length > 0) await this.storage.append(rd.entries);
    if (rd.hardState !== undefined) await this.storage.saveHardState(rd.hardState);
  }

  /** Ready step 2. installSnapshot messages become a chunked, resumable stream (snapshot-sender.ts). */
  private send(messages: Message[]): void {
    const plain: Message[] = [];
    for (const m of messages) {
      if (m.type !== 'installSnapshot' || m.snapshot === undefined) {
        plain.push(m);
        continue;
      }
      const { index, term, membership } = m.snapshot.metadata;
      const stored = this.storage.snapshots.find(index, term);
      const toWitness = membership.witnesses.includes(m.to);
      if (stored === undefined || (this.options.isWitness && !toWitness)) {
        this.node.reportSnapshot(m.to, 'failure');
        continue;
      }
      // A witness needs only the metadata (it has no state machine to load data into).
      const meta: SnapshotMeta = toWitness ? { ...stored, sizeBytes: 0, crc32: 0 } : stored;
      this.sender.start(m, meta);
    }
    if (plain.length > 0) this.transport.send(plain);
  }

  /** Ready step 3: role changes, snapshot to restore, committed entries to apply. */
  private dispatch(rd: Ready): void {
    if (rd.softState !== undefined) {
      const wasLeader = this.role === 'leader';
      this.role = rd.softState.role;
      if (wasLeader && this.role !== 'leader') {
        this.port.post({ t: 'leadershipLost', term: this.term });
        this.standbyPosted = '';
      }
    }
    if (rd.hardState !== undefined) this.term = rd.hardState.term;
    if (rd.snapshot !== undefined) {
      const { index, term } = rd.snapshot.metadata;
      const meta = this.storage.snapshots.find(index, term)!;
      if (!this.options.isWitness) {
        this.port.post({ t: 'restore', snapshot: { index, term, path: this.storage.snapshots.dataPath(meta) } });
      }
      this.dispatchedIndex = Math.max(this.dispatchedIndex, index);
      if (this.options.isWitness) this.hostAppliedIndex = this.dispatchedIndex;
    }
    const committed = rd.committedEntries;
    const last = committed[committed.length - 1];
    if (last === undefined) return;
    for (const e of committed) if (e.type === 'confChange') this.learnPeer(e.data);
    if (!this.options.isWitness) {
      const entries: WireEntryHead[] = committed.map((e) => ({ index: e.index, term: e.term, type: e.type }));
      const payloads = packPayloads(committed.map((e) => e.data), { byReference: true });
      this.port.post({ t: 'commit', entries, payloads }, transferList(payloads));
    }
    this.dispatchedIndex = last.index;
    if (this.options.isWitness) {
      this.hostAppliedIndex = last.index;
      this.maybeSnapshot();
    }
  }

  /** A committed conf change may name a new member with its addresses in `context` (JSON PeerAddress[]). */
  private learnPeer(data: Uint8Array): void {
    const change = decodeConfChange(data);
    if (change.nodeId === this.options.id) return;
    if (change.type === 'removeNode') {
      delete this.peers[change.nodeId];
      this.sender.cancel(change.nodeId);
    } else if (change.context !== undefined) {
      const addresses = parseAddresses(change.context);
      if (addresses === undefined) return; // not ours to reject: the change is committed; the address comes from config then
      this.peers[change.nodeId] = addresses;
    }
    this.transport.setPeers(this.peers);
  }

  /**
   * Snapshot policy: after snapshotIntervalEntries applied entries past the last snapshot, ask the
   * host to write one (a data member), or write an empty one at min(dataIndex, applied) (a witness:
   * it may drop what every data voter holds, DESIGN §2), then compact the log below it.
   */
  private maybeSnapshot(): void {
    const interval = this.options.snapshotIntervalEntries;
    const snap = this.storage.latestSnapshot();
    if (interval <= 0 || this.snapshotInProgress || this.closing || this.hostAppliedIndex - snap.index < interval) return;
    this.snapshotInProgress = true;
    const path = this.storage.snapshots.scratchPath();
    if (!this.options.isWitness) {
      this.port.post({ t: 'takeSnapshot', path });
      return;
    }
    const index = Math.min(this.node.status().dataIndex, this.hostAppliedIndex);
    if (index <= snap.index) {
      this.snapshotInProgress = false;
      return;
    }
    void writeFile(path, new Uint8Array(0)).then(() => this.adoptHostSnapshot(path, index, true));
  }

  private async adoptHostSnapshot(path: string, index: number, ok: boolean): Promise<void> {
    try {
      if (!ok || this.closing || index <= this.storage.latestSnapshot().index) return;
      const meta = await this.storage.snapshots.adopt(path, {
        index, term: this.storage.term(index), membership: this.storage.membershipAt(index),
      });
      await this.storage.compactTo(meta);
    } finally {
      this.snapshotInProgress = false;
      // Entries applied while this snapshot was written may already be due for the next one: with
      // no check here, a burst that ends during a snapshot would leave them uncompacted until more
      // entries come.
      if (!this.closing) this.maybeSnapshot();
    }
  }

  /**
   * Re-evaluates the hot standby (standby-tracker.ts) and tells the host when what it waits for
   * changed. Leader only; the host stops trusting the last value when leadership is lost.
   */
  private updateStandby(): void {
    const s = this.node.status();
    const match: Record<NodeId, number> = {};
    for (const [id, p] of Object.entries(s.progress)) match[id] = p.match;
    this.standby.update({ role: s.role, term: s.term, membership: s.membership, commit: s.commit, lastIndex: s.lastIndex, match }, monoNowMs());
    if (s.role !== 'leader') return;
    const ackIndex = this.standby.ackIndex;
    const degraded = this.standby.degraded;
    const key = `${s.term}|${ackIndex}|${degraded}`;
    if (key === this.standbyPosted) return;
    const degradedChanged = !this.standbyPosted.endsWith(`|${degraded}`);
    this.standbyPosted = key;
    this.port.post({ t: 'standby', ackIndex, degraded });
    if (degradedChanged) this.postStatus(false); // status().degraded follows at once
  }

  status(): NodeStatus {
    const s = this.node.status();
    const links: NodeStatus['links'] = {};
    for (const [id, l] of Object.entries(this.transport?.linkStatus() ?? {})) {
      links[id] = { up: l.up, address: l.address, switches: l.switches, ...(l.error === undefined ? {} : { error: l.error }) };
    }
    const matchIndex: Record<NodeId, number> = {};
    for (const [id, p] of Object.entries(s.progress)) matchIndex[id] = p.match;
    return {
      id: s.id, role: s.role, term: s.term, leader: s.lead, commitIndex: s.commit, dispatchedIndex: this.dispatchedIndex,
      lastIndex: s.lastIndex, snapshotIndex: this.storage.latestSnapshot().index, isWitness: s.isWitness,
      membership: s.membership, leaseValid: s.leaseValid,
      leaseExpiresAtMonoMs: s.leaseValid ? this.lastTickMs + s.leaseRemainingTicks * this.options.tickMs : 0,
      links, snapshotTransfers: [...(this.sender?.status() ?? []), ...(this.receiver?.status() ?? [])], matchIndex,
      degraded: s.role === 'leader' && this.standby.degraded,
      dataPeers: s.role === 'leader' ? this.standby.status() : [],
    };
  }

  /** Posts status when something a caller branches on changed, or (periodic) to refresh the lease. */
  private postStatus(periodic: boolean): void {
    if (this.closing) return;
    const s = this.node.status();
    // Commit and applied indexes move with every Ready: they ride along with the periodic post
    // (every 10 ticks) instead of costing a structured clone per Ready.
    const key = `${s.role}|${s.term}|${s.lead}|${s.leaseValid}|${s.membership.voters.join()}|${this.storage.latestSnapshot().index}|${this.standby.degraded}`;
    if (!periodic && key === this.lastStatusKey) return;
    this.lastStatusKey = key;
    this.port.post({ t: 'status', status: this.status() });
  }

  /** After a failure: no more ticks, messages or Readies (the host tears the engine down). */
  private halt(): void {
    this.closing = true;
    if (this.tickTimer !== undefined) clearInterval(this.tickTimer);
    void (this.transport as TcpTransport | undefined)?.close();
    void this.storage.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.flushProposals(); // answered 'closed': nothing proposed
    if (this.tickTimer !== undefined) clearInterval(this.tickTimer);
    // `transport` is unset when close arrives while the engine is still starting (restoring).
    await (this.transport as TcpTransport | undefined)?.close();
    while (this.running) await new Promise((r) => setImmediate(r));
    await this.storage.close();
    this.port.post({ t: 'closed' });
  }
}

function parseAddresses(context: string): PeerAddress[] | undefined {
  try {
    const value: unknown = JSON.parse(context);
    if (!Array.isArray(value) || value.length === 0) return undefined;
    const ok = value.every((a: unknown) => typeof a === 'object' && a !== null
      && typeof (a as PeerAddress).host === 'string' && Number.isInteger((a as PeerAddress).port));
    return ok ? (value as PeerAddress[]) : undefined;
  } catch {
    return undefined;
  }
}
