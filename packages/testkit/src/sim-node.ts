// One simulated member: a RawNode over a MemoryStorage rebuilt from a SimDisk, plus (on data members)
// a SimStateMachine. It handles each Ready exactly as the contract on Ready says a driver must:
// persist (fsync when asked), then send, then apply, then advance. It can crash at any point between
// steps, or in the middle of persisting (before the fsync).
import type { Entry, Membership, Message, NodeId, RaftConfig, Ready, Status } from '@tandem/raft';
import { MemoryStorage, RawNode } from '@tandem/raft';
import { SimDisk } from './sim-disk.js';
import type { DiskRecord } from './sim-disk.js';
import { SimStateMachine } from './sim-state-machine.js';
import type { SeededRandom } from './seeded-random.js';

export interface ReadyHooks {
  /** Called after persisting and fsyncing, before sending (the checker inspects the durable state). */
  onPersisted(node: SimNode, ready: Ready): void;
  send(message: Message): void;
  onSnapshotLoaded(node: SimNode, index: number, term: number): void;
  onApply(node: SimNode, entry: Entry, proposalId: string | null, duplicate: boolean): void;
}

export interface SimNodeOptions {
  config: RaftConfig;
  /** The founding configuration, or null for a member that joins later (by conf change). */
  bootstrap: Membership | null;
  /** Take a local snapshot (and compact) after this many applied entries. */
  snapshotEveryEntries: number;
  /** Entries kept in the log below a local snapshot (so near followers need no snapshot). */
  keepEntriesAfterSnapshot: number;
}

export class SimNode {
  readonly id: NodeId;
  readonly isWitness: boolean;
  readonly disk: SimDisk;
  storage: MemoryStorage;
  raw: RawNode | null = null;
  stateMachine: SimStateMachine | null = null;
  /** A paused process neither ticks nor handles messages; it catches up its ticks on resume. */
  paused = false;
  missedTicks = 0;
  restarts = 0;

  constructor(private readonly options: SimNodeOptions) {
    this.id = options.config.id;
    this.isWitness = options.config.isWitness;
    this.disk = new SimDisk(options.bootstrap);
    this.storage = new MemoryStorage(options.bootstrap === null ? {} : { membership: options.bootstrap });
  }

  get up(): boolean {
    return this.raw !== null;
  }

  /** Starts (or restarts) from whatever the disk kept. */
  start(): void {
    this.storage = this.disk.recover();
    const snap = this.storage.snapshot();
    this.stateMachine = this.isWitness ? null : SimStateMachine.fromSnapshot(snap.metadata.index, snap.data);
    // The state machine restarts from the snapshot, so the core hands out entries after it again.
    this.raw = new RawNode({ ...this.options.config, applied: snap.metadata.index }, this.storage);
    this.paused = false;
    this.missedTicks = 0;
  }

  crash(rng: SeededRandom): void {
    this.disk.crash(rng);
    this.raw = null;
    this.stateMachine = null;
    this.restarts++;
  }

  status(): Status | null {
    return this.raw === null ? null : this.raw.status();
  }

  /**
   * Handles one Ready. Returns false if the member crashed while persisting (crashMidWrite), in which
   * case nothing was sent or applied.
   */
  handleReady(hooks: ReadyHooks, crashMidWrite: SeededRandom | null): boolean {
    const raw = this.raw;
    if (raw === null || !raw.hasReady()) return true;
    const rd = raw.ready();
    // 1. Persist: snapshot, entries, hard state; fsync when asked.
    const records: DiskRecord[] = [];
    if (rd.snapshot !== undefined) records.push({ kind: 'snapshot', snapshot: rd.snapshot });
    if (rd.entries.length > 0) records.push({ kind: 'entries', entries: rd.entries });
    if (rd.hardState !== undefined) records.push({ kind: 'hardState', hardState: rd.hardState });
    for (const r of records) this.disk.write(r);
    if (rd.snapshot !== undefined) this.storage.applySnapshot(rd.snapshot);
    if (rd.entries.length > 0) this.storage.append(rd.entries);
    if (rd.hardState !== undefined) this.storage.setHardState(rd.hardState);
    if (crashMidWrite !== null && records.length > 0) {
      this.crash(crashMidWrite);
      return false;
    }
    if (rd.mustSync) this.disk.fsync();
    hooks.onPersisted(this, rd);
    // 2. Send.
    for (const m of rd.messages) hooks.send(m);
    // 3. Apply (data members only; a witness has no state machine).
    const sm = this.stateMachine;
    if (rd.snapshot !== undefined && sm !== null) {
      this.stateMachine = SimStateMachine.fromSnapshot(rd.snapshot.metadata.index, rd.snapshot.data);
      hooks.onSnapshotLoaded(this, rd.snapshot.metadata.index, rd.snapshot.metadata.term);
    }
    const machine = this.stateMachine;
    if (machine !== null) {
      for (const e of rd.committedEntries) {
        const { id, duplicate } = machine.apply(e);
        hooks.onApply(this, e, id, duplicate);
      }
    }
    // 4. Advance.
    raw.advance(rd);
    this.maybeCompact();
    return true;
  }

  /** Local snapshot + compaction: data members snapshot their state machine; a witness drops what
   *  every data voter holds (Status.dataIndex). */
  private maybeCompact(): void {
    const raw = this.raw;
    if (raw === null) return;
    const s = raw.status();
    const snapIndex = this.storage.snapshot().metadata.index;
    const target = this.isWitness ? Math.min(s.dataIndex, s.applied) : s.applied;
    if (target - snapIndex < this.options.snapshotEveryEntries) return;
    if (target > this.storage.lastIndex()) return;
    const data = this.stateMachine === null ? new Uint8Array() : this.stateMachine.snapshotData();
    if (this.stateMachine !== null && this.stateMachine.appliedIndex !== target) return;
    const compactIndex = Math.max(this.storage.firstIndex() - 1, target - this.options.keepEntriesAfterSnapshot);
    const record: DiskRecord = { kind: 'compact', index: target, data, compactIndex };
    this.disk.write(record);
    this.disk.fsync(); // the snapshot must be durable before the entries it replaces are dropped
    this.storage.createSnapshot(target, data);
    this.storage.compact(compactIndex);
    this.disk.rewriteFrom(this.storage);
  }
}
