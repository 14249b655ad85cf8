import {
  decodeConfChange, defaultRaftConfig, NotLeaderError, ProposalDroppedError, RaftError, RawNode, type Message,
  type NodeId, type Ready, type Role,
} from '@tandem/raft';
import { writeFile } from 'node:fs/promises';
import { FileStorage } from './file-storage.js';
import type {
  EngineOptions, EngineToHost, HostToEngine, NodeStatus, ProposeResult, WireEntryHead,
} from './engine-protocol.js';
import { monoNowMs } from './engine-protocol.js';
import { packPayloads, unpackPayloads } from './packed-payloads.js';
import type { PeerAddress } from './peer-link.js';
import { replicationLimits } from './replication-limits.js';
import { SnapshotReceiver } from './snapshot-receiver.js';
import { SnapshotSender } from './snapshot-sender.js';
import type { SnapshotMeta } from './snapshot-store.js';
import { TcpTransport } from './tcp-transport.js';

/**
 * The driver loop of one member: the RawNode, its durable storage, the transport and the tick timer.
 * It runs in a worker thread (see raft-node.ts for why) and talks to the host only through
 * EngineToHost / HostToEngine messages.
 *
 * The Ready contract (packages/raft/src/ready.ts), as done here:
 *  1. persist: snapshot (already durable in the snapshot store) → log reset; entries → FileLogStore
 *     (fsync, group commit); term/vote → FileStableStore (fsync + rename). All awaited.
 *  2. only then send the messages (installSnapshot becomes a chunked stream). One exception, the
 *     leader's own replication messages (thesis §10.2.1), is argued at maySendBeforePersist().
 *  3. hand the snapshot (restore) and committed entries to the host, which applies them in order.
 *  4. advance().
 * Steps, ticks and proposals that arrive while step 1 is awaited go straight into the RawNode; the
 * next Ready carries all of them, so one fsync covers many proposals (group commit across Readies).
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
  private readonly peers: Record<NodeId, PeerAddress[]>;

  private constructor(private readonly options: EngineOptions, private readonly storage: FileStorage, private readonly port: EnginePort) {
    this.dispatchedIndex = options.appliedIndex;
    this.hostAppliedIndex = options.appliedIndex;
    this.peers = { ...options.peers };
  }

  static async start(options: EngineOptions, port: EnginePort): Promise<RaftEngine> {
    const storage = await FileStorage.open({
      dir: options.dataDir, appliedIndex: options.appliedIndex,
      ...(options.bootstrap === undefined ? {} : { bootstrapMembership: options.bootstrap }),
      log: { segmentBytesMax: options.segmentBytesMax },
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
      id: options.id, listen: options.listen, peers: options.peers, secret: options.secret, ...options.transport,
    }, {
      onMessages: (messages) => engine.onPeerMessages(messages),
      onUnreachable: (peer) => engine.node.reportUnreachable(peer),
      onSnapshotFrame: (from, kind, body, reply) => engine.receiver.onFrame(from, kind, body, reply),
      onSnapshotAck: (from, body) => engine.sender.onAck(from, body),
    });
    engine.lastTickMs = monoNowMs();
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
      case 'propose':
      {
        const datas = unpackPayloads(m.payloads);
        this.port.post({ t: 'proposeResults', results: m.ids.map((id, k) => this.propose(id, () => this.node.propose(datas[k]!))) });
      }
        break;
      case 'proposeConfChange':
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

  private onPeerMessages(messages: Message[]): void {
    if (this.closing) return;
    for (const m of messages) this.node.step(m);
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
      while (!this.closing && this.node.hasReady()) {
        const rd = this.node.ready();
        const early = this.maySendBeforePersist(rd);
        if (early) this.send(rd.messages);
        await this.persist(rd);
        if (!early) this.send(rd.messages);
        this.dispatch(rd);
        this.node.advance(rd);
      }
    } catch (e) {
      this.port.post({ t: 'failed', message: e instanceof Error ? e.stack ?? e.message : String(e) });
      throw e;
    } finally {
      this.running = false;
    }
    this.postStatus(false);
  }

  /**
   * Raft thesis §10.2.1: the leader may write its log to disk in parallel with replicating it, so its
   * fsync and the followers' overlap instead of adding up. Safe here although the core counts the
   * leader's own copy at append time: (1) a follower can acknowledge these entries only after these
   * messages leave, i.e. after this ready() was taken, so any commit that relies on the leader's
   * unpersisted copy shows up no earlier than the NEXT Ready; (2) the next ready() is taken only after
   * this Ready's persist step completed (advance() comes after it). So no commit index that counts an
   * unpersisted leader entry is ever applied here or sent to a follower. Only a leader's outgoing
   * replication messages qualify, and only when the Ready changes neither term nor vote and carries no
   * snapshot; everything else (votes, acknowledgements) still waits for the fsync.
   */
  private maySendBeforePersist(rd: Ready): boolean {
    if ((rd.softState?.role ?? this.role) !== 'leader' || rd.snapshot !== undefined || rd.messages.length === 0) return false;
    const persisted = this.storage.stable.hardState();
    if (rd.hardState !== undefined && (rd.hardState.term !== persisted.term || rd.hardState.vote !== persisted.vote)) return false;
    return rd.messages.every((m) => m.type === 'appendEntries' || m.type === 'heartbeat' || m.type === 'timeoutNow');
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
      if (wasLeader && this.role !== 'leader') this.port.post({ t: 'leadershipLost', term: this.term });
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
      const payloads = packPayloads(committed.map((e) => e.data));
      this.port.post({ t: 'commit', entries, payloads }, [payloads.buffer]);
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
    }
  }

  status(): NodeStatus {
    const s = this.node.status();
    const links: NodeStatus['links'] = {};
    for (const [id, l] of Object.entries(this.transport?.linkStatus() ?? {})) links[id] = { up: l.up, address: l.address, switches: l.switches };
    const matchIndex: Record<NodeId, number> = {};
    for (const [id, p] of Object.entries(s.progress)) matchIndex[id] = p.match;
    return {
      id: s.id, role: s.role, term: s.term, leader: s.lead, commitIndex: s.commit, dispatchedIndex: this.dispatchedIndex,
      lastIndex: s.lastIndex, snapshotIndex: this.storage.latestSnapshot().index, isWitness: s.isWitness,
      membership: s.membership, leaseValid: s.leaseValid,
      leaseExpiresAtMonoMs: s.leaseValid ? this.lastTickMs + s.leaseRemainingTicks * this.options.tickMs : 0,
      links, snapshotTransfers: [...(this.sender?.status() ?? []), ...(this.receiver?.status() ?? [])], matchIndex,
    };
  }

  /** Posts status when something a caller branches on changed, or (periodic) to refresh the lease. */
  private postStatus(periodic: boolean): void {
    if (this.closing) return;
    const s = this.node.status();
    // Commit and applied indexes move with every Ready: they ride along with the periodic post
    // (every 10 ticks) instead of costing a structured clone per Ready.
    const key = `${s.role}|${s.term}|${s.lead}|${s.leaseValid}|${s.membership.voters.join()}|${this.storage.latestSnapshot().index}`;
    if (!periodic && key === this.lastStatusKey) return;
    this.lastStatusKey = key;
    this.port.post({ t: 'status', status: this.status() });
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
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
