import { dataVoters, type Membership, type NodeId, type Role } from '@tandem/raft';

/**
 * The hot standby of DESIGN §3, decided on the leader: "while both data nodes are healthy, the leader
 * also waits for the other data node's ack; in degraded mode (one data node down) A + W commit."
 *
 * Raft commits on any quorum (A + W is enough); this tracker only says how far the OTHER data voters
 * have acknowledged (ackIndex, their matchIndex: on their disks), so that the driver answers a
 * proposal only once the entry is there too — or once that data voter counts as down, which makes
 * the cluster degraded. Nothing here changes what commits; it delays answers.
 *
 * A data peer is `sync` (the leader waits for it) until it is
 *  - `unreachable`: nothing heard from it for dataPeerDownMs (monotonic clock), or
 *  - `lagging`: heard, but it did not reach a commit index within dataPeerDownMs of it being
 *    recorded (a checkpoint): alive but not keeping up (a slow disk or link, a long catch-up);
 * and it is `sync` again once it is heard and reaches the commit index — at once, or a checkpoint
 * within dataPeerDownMs (it keeps up with a moving commit). A new leader starts a peer as `sync`
 * if it heard from it within dataPeerDownMs (votes count), else as `unreachable`: a leader elected
 * because the other data node died does not make its first clients wait for it.
 *
 * Pure: no clock of its own (the engine passes monotonic milliseconds), no I/O.
 */
export type StandbyPeerState = 'sync' | 'unreachable' | 'lagging';

export interface StandbyPeerStatus {
  id: NodeId;
  state: StandbyPeerState;
  /** Its matchIndex on the leader: what it holds on disk. */
  matchIndex: number;
  /** Entries of the leader's log it does not hold yet (lastIndex − matchIndex). */
  lagEntries: number;
  /** Time since anything was heard from it, or null if never. */
  lastHeardAgoMs: number | null;
}

export interface StandbyOptions {
  selfId: NodeId;
  /** true: every other data voter; false: off; undefined: on exactly when there are two data voters. */
  hotStandby: boolean | undefined;
  dataPeerDownMs: number;
}

/** What the tracker needs from the core, sampled by the driver (RawNode.status()). */
export interface StandbySample {
  role: Role;
  term: number;
  membership: Membership;
  commit: number;
  lastIndex: number;
  /** Leader only: matchIndex per member. */
  match: Record<NodeId, number>;
}

interface PeerTrack {
  inSync: boolean;
  checkpoint: { index: number; atMs: number } | undefined;
}

export class StandbyTracker {
  private readonly lastHeardMs = new Map<NodeId, number>();
  private readonly peers = new Map<NodeId, PeerTrack>();
  private leaderTerm = -1;
  private sample: StandbySample | undefined;
  private nowMs = 0;

  constructor(private readonly options: StandbyOptions) {}

  /** Something arrived from `peer` (any message: heartbeat replies, acknowledgements, votes). */
  heard(peer: NodeId, nowMs: number): void {
    this.lastHeardMs.set(peer, nowMs);
  }

  /**
   * This process did not run for `ms` (a GC pause, a blocked event loop, SIGSTOP): that time is not
   * the peers' silence — their messages are waiting in the sockets — so every clock here moves on by
   * it (a peer that really died meanwhile is found down that much later, never falsely).
   */
  stalled(ms: number): void {
    if (ms <= 0) return;
    for (const [id, at] of this.lastHeardMs) this.lastHeardMs.set(id, at + ms);
    for (const track of this.peers.values()) if (track.checkpoint !== undefined) track.checkpoint.atMs += ms;
  }

  /** Re-evaluates every data peer against the core's current state. */
  update(sample: StandbySample, nowMs: number): void {
    this.sample = sample;
    this.nowMs = nowMs;
    if (sample.role !== 'leader') {
      this.leaderTerm = -1;
      this.peers.clear();
      return;
    }
    const peerIds = this.enabled(sample.membership) ? dataVoters(sample.membership).filter((id) => id !== this.options.selfId) : [];
    if (this.leaderTerm !== sample.term) {
      this.leaderTerm = sample.term;
      this.peers.clear();
    }
    for (const id of [...this.peers.keys()]) if (!peerIds.includes(id)) this.peers.delete(id);
    for (const id of peerIds) {
      let track = this.peers.get(id);
      if (track === undefined) {
        track = { inSync: this.heardRecently(id), checkpoint: undefined };
        this.peers.set(id, track);
      }
      this.evaluate(id, track, sample);
    }
  }

  /** Leader: entries up to here are on every data peer the leader waits for (+∞: it waits for none). */
  get ackIndex(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const [id, track] of this.peers) if (track.inSync) min = Math.min(min, this.sample?.match[id] ?? 0);
    return min;
  }

  /** Leader with hot standby: some other data voter is down (unreachable or lagging). */
  get degraded(): boolean {
    for (const track of this.peers.values()) if (!track.inSync) return true;
    return false;
  }

  /** The data peers not waited for. */
  downPeers(): NodeId[] {
    return [...this.peers].filter(([, t]) => !t.inSync).map(([id]) => id);
  }

  /** Leader only (empty otherwise): one line per other data voter. */
  status(): StandbyPeerStatus[] {
    const s = this.sample;
    if (s === undefined) return [];
    return [...this.peers].map(([id, track]) => {
      const matchIndex = s.match[id] ?? 0;
      const heard = this.lastHeardMs.get(id);
      return {
        id, state: this.stateOf(id, track), matchIndex, lagEntries: Math.max(0, s.lastIndex - matchIndex),
        lastHeardAgoMs: heard === undefined ? null : Math.max(0, this.nowMs - heard),
      };
    });
  }

  private enabled(m: Membership): boolean {
    const data = dataVoters(m);
    if (!data.includes(this.options.selfId)) return false;
    return this.options.hotStandby ?? data.length === 2;
  }

  private heardRecently(id: NodeId): boolean {
    const heard = this.lastHeardMs.get(id);
    return heard !== undefined && this.nowMs - heard <= this.options.dataPeerDownMs;
  }

  private evaluate(id: NodeId, track: PeerTrack, s: StandbySample): void {
    const downMs = this.options.dataPeerDownMs;
    const match = s.match[id] ?? 0;
    if (!this.heardRecently(id)) {
      track.inSync = false;
      track.checkpoint = undefined;
      return;
    }
    if (match >= s.commit) {
      track.inSync = true; // holds everything committed
      track.checkpoint = undefined;
      return;
    }
    const cp = track.checkpoint;
    if (cp === undefined || match >= cp.index) {
      // Reached the last target (or none yet): in time means it keeps up with a moving commit.
      if (cp !== undefined && this.nowMs - cp.atMs <= downMs) track.inSync = true;
      track.checkpoint = { index: s.commit, atMs: this.nowMs };
    } else if (this.nowMs - cp.atMs > downMs) {
      track.inSync = false; // alive, but this entry has waited for it too long
      track.checkpoint = { index: s.commit, atMs: this.nowMs };
    }
  }

  private stateOf(id: NodeId, track: PeerTrack): StandbyPeerState {
    if (track.inSync) return 'sync';
    return this.heardRecently(id) ? 'lagging' : 'unreachable';
  }
}
