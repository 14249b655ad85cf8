// The Raft state machine of one member (Raft Figure 2; thesis §3, §4, §6, §9.6). Pure: it reads Storage,
// queues messages in `msgs`, and leaves all I/O to the driver through RawNode's Ready.
// Invariants guarded here: one vote per term (Figure 2, RequestVote rule 2); a leader never overwrites
// its log (Leader Append-Only); commitment counts replicas only for entries of the current term
// (Raft §5.4.2); at most one configuration change is uncommitted (thesis §4.1).
import type { Entry, NodeId } from './entry.js';
import type { Role } from './hard-state.js';
import type { Message, MessageType } from './message.js';
import { newMessage } from './message.js';
import type { Membership } from './membership.js';
import { allMembers, dataVoters } from './membership.js';
import { MembershipLog } from './membership-log.js';
import { Progress } from './progress.js';
import { majorityValue, voteResult } from './quorum.js';
import type { RaftConfig } from './raft-config.js';
import { validateRaftConfig } from './raft-config.js';
import { RaftLog } from './raft-log.js';
import type { Snapshot } from './snapshot.js';
import type { Storage } from './storage.js';
import { RaftInvariantError, SnapshotTemporarilyUnavailableError } from './raft-errors.js';
import { stepLeader } from './step-leader.js';
import { stepCandidate, stepFollower } from './step-follower.js';
import { handleVoteRequest, stepStale } from './step-vote.js';
import { maybeWitnessHandOver } from './leadership-transfer.js';

export type CampaignKind = 'preElection' | 'election' | 'transfer';

/** Reads storage in pages this large when scanning the log for configuration changes at start. */
const startScanPageBytes = 4 * 1024 * 1024;

export class Raft {
  readonly id: NodeId;
  readonly cfg: RaftConfig;
  readonly log: RaftLog;
  readonly memberships: MembershipLog;
  term = 0;
  vote: NodeId | null = null;
  role: Role = 'follower';
  lead: NodeId | null = null;
  /** Leader only: one Progress per member (including itself). */
  prs = new Map<NodeId, Progress>();
  votes = new Map<NodeId, boolean>();
  msgs: Message[] = [];
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  /**
   * Ticks since this member last heard from a leader (or was one). While below electionTimeoutTicks it
   * refuses votes (leader stickiness, thesis §6 / §9.6), which is what makes the leader lease safe.
   * A restarted member with term > 0 starts at 0: it may have acknowledged a lease before crashing.
   */
  leaderContactElapsed: number;
  /**
   * Ticks since start, counted from 1; the leader stamps it on messages as sentTick (leader lease) and
   * a sentTick of 0 in a response means "no lease credit".
   */
  tickCount = 1;
  leadTransferee: NodeId | null = null;
  transferElapsed = 0;
  /** Once a TimeoutNow left, another member may win an election at any time: no lease in this term. */
  timeoutNowSent = false;
  /** Leader: index of its first entry of the term (thesis §4.1 fix: no conf change before it commits). */
  termStartIndex = 0;
  /** Leader: index of the latest conf change (thesis §4.1: one at a time). */
  pendingConfIndex = 0;
  /** Leader: sizes of its proposals not yet committed (config.maxUncommittedSizeBytes). */
  uncommitted: Array<{ index: number; sizeBytes: number }> = [];
  uncommittedSizeBytes = 0;
  /** Follower: the dataIndex the leader sent last. */
  dataIndexFromLeader = 0;

  constructor(cfg: RaftConfig, storage: Storage) {
    validateRaftConfig(cfg);
    this.id = cfg.id;
    this.cfg = cfg;
    this.log = new RaftLog(storage);
    const init = storage.initialState();
    this.memberships = new MembershipLog(storage.firstIndex() - 1, init.membership);
    this.scanStoredConfChanges(storage);
    this.log.onAppend = (ents) => this.onLogAppend(ents);
    const hs = init.hardState;
    if (hs.commit > this.log.lastIndex()) {
      throw new RaftInvariantError(`stored commit ${hs.commit} is past the last index ${this.log.lastIndex()}`);
    }
    this.log.commitTo(hs.commit);
    if (cfg.applied !== undefined && cfg.applied > this.log.applied) {
      // What the state machine applied was committed, even if the hard state recording it was not synced.
      if (cfg.applied > this.log.lastIndex()) {
        throw new RaftInvariantError(`applied ${cfg.applied} is past the last index ${this.log.lastIndex()}`);
      }
      this.log.commitTo(cfg.applied);
      this.log.appliedTo(cfg.applied);
    }
    this.leaderContactElapsed = hs.term > 0 ? 0 : Number.POSITIVE_INFINITY;
    this.becomeFollower(hs.term, null);
    this.vote = hs.vote;
  }

  /** Thesis §4.1: the configuration is the latest in the log, so conf changes already stored count. */
  private scanStoredConfChanges(storage: Storage): void {
    let lo = storage.firstIndex();
    const hi = storage.lastIndex() + 1;
    while (lo < hi) {
      const page = storage.entries(lo, hi, startScanPageBytes);
      const last = page[page.length - 1];
      if (last === undefined) throw new RaftInvariantError(`storage returned no entries for [${lo}, ${hi})`);
      this.memberships.onAppend(page.filter((e) => e.type === 'confChange'));
      lo = last.index + 1;
    }
  }

  membership(): Membership {
    return this.memberships.current();
  }

  /** A voter in its own configuration, with no snapshot waiting to be persisted (etcd's promotable). */
  promotable(): boolean {
    return this.membership().voters.includes(this.id) && !this.log.hasPendingSnapshot();
  }

  /** Leader stickiness (thesis §6, §9.6): heard from a leader less than an election timeout ago. */
  inLease(): boolean {
    return this.cfg.checkQuorum && this.leaderContactElapsed < this.cfg.electionTimeoutTicks;
  }

  send(m: Message): void {
    this.msgs.push(m);
  }

  message(type: MessageType, to: NodeId): Message {
    return newMessage(type, this.id, to, this.term);
  }

  // ---- transitions (Raft §5.1, Figure 4) ----

  private reset(term: number): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = null;
    }
    this.lead = null;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.abortLeaderTransfer();
    this.votes.clear();
    this.prs.clear();
    this.timeoutNowSent = false;
    this.pendingConfIndex = 0;
    this.termStartIndex = 0;
    this.uncommitted = [];
    this.uncommittedSizeBytes = 0;
  }

  private resetRandomizedElectionTimeout(): void {
    const base = this.cfg.isWitness ? this.cfg.witnessElectionTimeoutTicks : this.cfg.electionTimeoutTicks;
    this.randomizedElectionTimeout = base + Math.floor(this.cfg.rand() * base);
  }

  becomeFollower(term: number, lead: NodeId | null): void {
    this.reset(term);
    this.role = 'follower';
    this.lead = lead;
  }

  becomePreCandidate(): void {
    if (this.role === 'leader') throw new RaftInvariantError('leader cannot become pre-candidate');
    // Thesis §9.6: a pre-candidate keeps its term and vote; only a real election increments the term.
    this.votes.clear();
    this.role = 'preCandidate';
    this.lead = null;
  }

  becomeCandidate(): void {
    if (this.role === 'leader') throw new RaftInvariantError('leader cannot become candidate');
    this.reset(this.term + 1); // Raft §5.2: increment currentTerm
    this.vote = this.id; // ... and vote for self
    this.role = 'candidate';
  }

  becomeLeader(): void {
    if (this.role === 'follower') throw new RaftInvariantError('follower cannot become leader');
    this.reset(this.term);
    this.role = 'leader';
    this.lead = this.id;
    this.leaderContactElapsed = 0;
    this.syncProgress();
    // Raft §8 / §5.4.2: commit an entry of the new term to learn which earlier entries are committed.
    const index = this.appendEntries([{ term: 0, index: 0, type: 'normal', data: new Uint8Array() }]);
    this.termStartIndex = index;
    this.pendingConfIndex = index;
  }

  /** Leader: give every member of the current configuration a Progress, and drop former members'. */
  syncProgress(): void {
    const members = allMembers(this.membership());
    for (const id of [...this.prs.keys()]) if (!members.includes(id)) this.prs.delete(id);
    const last = this.log.lastIndex();
    for (const id of members) {
      if (this.prs.has(id)) continue;
      const pr = new Progress(last + 1, this.cfg.maxInflightMsgs, this.tickCount);
      if (id === this.id) {
        pr.match = last;
        pr.becomeReplicate();
      }
      this.prs.set(id, pr);
    }
    if (this.leadTransferee !== null && !this.prs.has(this.leadTransferee)) this.abortLeaderTransfer();
  }

  // ---- time ----

  tick(): void {
    this.tickCount++;
    if (this.role === 'leader') this.tickHeartbeat();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    this.leaderContactElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup('timeout');
    }
  }

  private tickHeartbeat(): void {
    this.leaderContactElapsed = 0;
    this.heartbeatElapsed++;
    if (this.leadTransferee !== null && ++this.transferElapsed >= this.cfg.electionTimeoutTicks) {
      this.abortLeaderTransfer(); // thesis §3.10: abort when the target does not win in time
    }
    // Thesis §6.2 Check-Quorum: a leader that has not heard from a quorum for an election timeout
    // steps down (its lease, shorter, is already gone). Checked every tick, so it happens on time.
    if (this.cfg.checkQuorum && !this.quorumActive()) {
      this.becomeFollower(this.term, null);
      return;
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatIntervalTicks) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat();
    }
    maybeWitnessHandOver(this);
  }

  /** Heard from `id` within the last election timeout (the leader itself always counts). */
  isRecentActive(id: NodeId): boolean {
    if (id === this.id) return true;
    const pr = this.prs.get(id);
    return pr !== undefined && this.tickCount - pr.lastContactTick < this.cfg.electionTimeoutTicks;
  }

  private quorumActive(): boolean {
    const votes = new Map<NodeId, boolean>();
    for (const id of this.prs.keys()) votes.set(id, this.isRecentActive(id));
    return voteResult(this.membership().voters, votes) === 'won';
  }

  // ---- elections (Raft §5.2, thesis §9.6 Pre-Vote, §3.10 TimeoutNow) ----

  /** Starts an election if this member may: 'timeout' and 'campaign' go through Pre-Vote when enabled. */
  hup(reason: 'timeout' | 'campaign' | 'transfer'): void {
    if (this.role === 'leader' || !this.promotable()) return;
    if (reason === 'transfer') this.campaign('transfer');
    else this.campaign(this.cfg.preVote ? 'preElection' : 'election');
  }

  campaign(kind: CampaignKind): void {
    let voteTerm: number;
    let type: MessageType;
    if (kind === 'preElection') {
      this.becomePreCandidate();
      voteTerm = this.term + 1;
      type = 'requestPreVote';
    } else {
      this.becomeCandidate();
      voteTerm = this.term;
      type = 'requestVote';
    }
    this.votes.set(this.id, true);
    if (voteResult(this.membership().voters, this.votes) === 'won') {
      // A single voter wins at once.
      if (kind === 'preElection') this.campaign('election');
      else this.becomeLeader();
      return;
    }
    for (const id of this.membership().voters) {
      if (id === this.id) continue;
      const m = newMessage(type, this.id, id, voteTerm);
      m.index = this.log.lastIndex();
      m.logTerm = this.log.lastTerm();
      m.leadershipTransfer = kind === 'transfer';
      this.send(m);
    }
  }

  /** Records a vote; acts on the outcome. */
  poll(from: NodeId, granted: boolean): void {
    if (!this.votes.has(from)) this.votes.set(from, granted);
    const result = voteResult(this.membership().voters, this.votes);
    if (result === 'won') {
      if (this.role === 'preCandidate') this.campaign('election');
      else {
        this.becomeLeader();
        this.bcastAppend();
      }
    } else if (result === 'lost') {
      this.becomeFollower(this.term, null);
    }
  }

  // ---- the log ----

  /** Leader: appends entries of its term to its own log; returns the last index. */
  appendEntries(ents: Entry[]): number {
    let index = this.log.lastIndex();
    const stamped = ents.map((e) => ({ ...e, term: this.term, index: ++index }));
    this.log.append(stamped);
    const self = this.prs.get(this.id);
    // Counting its own copy before it is persisted is safe, even for a driver that sends appendEntries
    // before persisting (thesis §10.2.1, the exception on Ready): any commit that relies on this copy
    // also needs an acknowledgement stepped after the Ready carrying these entries was taken, so it
    // leaves the core only in a later Ready — after advance(), i.e. after the leader's fsync.
    if (self !== undefined) self.maybeUpdate(index);
    this.maybeCommit();
    return index;
  }

  private onLogAppend(ents: readonly Entry[]): void {
    const before = this.memberships.currentIndex();
    this.memberships.onAppend(ents);
    const changed = before !== this.memberships.currentIndex() || ents.some((e) => e.type === 'confChange');
    if (changed && this.role === 'leader') this.syncProgress();
  }

  /**
   * Leader: advances commitIndex to the highest index stored on a majority of voters, but only when
   * that entry is of the current term (Raft §5.4.2; earlier entries then commit indirectly).
   */
  maybeCommit(): boolean {
    const voters = this.membership().voters;
    const mci = majorityValue(voters, (id) => this.prs.get(id)?.match ?? 0);
    if (!Number.isFinite(mci) || mci <= this.log.committed) return false;
    if (this.log.term(mci) !== this.term) return false;
    this.log.commitTo(mci);
    this.onCommitAdvanced();
    return true;
  }

  private onCommitAdvanced(): void {
    const c = this.log.committed;
    while (this.uncommitted.length > 0 && (this.uncommitted[0] as { index: number }).index <= c) {
      this.uncommittedSizeBytes -= (this.uncommitted.shift() as { sizeBytes: number }).sizeBytes;
    }
    // Thesis §4.2.2: a leader removed from the configuration steps down once the removal commits.
    if (this.role === 'leader' && !this.membership().voters.includes(this.id)
      && this.memberships.currentIndex() <= c) {
      this.becomeFollower(this.term, null);
    }
  }

  trackUncommitted(index: number, sizeBytes: number): void {
    this.uncommitted.push({ index, sizeBytes });
    this.uncommittedSizeBytes += sizeBytes;
  }

  /** Raft §7: adopt a snapshot from the leader. Returns false when it brings nothing new. */
  restore(snapshot: Snapshot): boolean {
    const { index, term, membership } = snapshot.metadata;
    if (index <= this.log.committed) return false;
    if (this.log.matchTerm(index, term)) {
      // We already hold the entry: the snapshot only tells us it is committed.
      this.log.commitTo(index);
      return false;
    }
    this.log.restore(snapshot);
    this.memberships.reset(index, membership);
    return true;
  }

  // ---- replication (Raft §5.3) ----

  /**
   * The index every data member (data voters and learners) holds, capped at commit: a witness may drop
   * entries up to it, since any data member that might need them from the witness already has them.
   */
  dataIndex(): number {
    if (this.role !== 'leader') return Math.min(this.dataIndexFromLeader, this.log.committed);
    const m = this.membership();
    const dataMembers = [...dataVoters(m), ...m.learners];
    if (dataMembers.length === 0) return 0;
    let min = this.log.committed;
    for (const id of dataMembers) min = Math.min(min, this.prs.get(id)?.match ?? 0);
    return min;
  }

  /**
   * Leader: sends the next appendEntries to `to` (or a snapshot when the entries it needs are
   * compacted). Returns whether a message was sent.
   */
  sendAppend(to: NodeId, sendIfEmpty = true): boolean {
    const pr = this.prs.get(to);
    if (pr === undefined || to === this.id || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    const ents = this.log.entriesFrom(pr.next, this.cfg.maxSizePerMsgBytes);
    if (prevTerm === undefined || ents === undefined) return this.sendSnapshot(to, pr);
    if (ents.length === 0 && !sendIfEmpty) return false;
    const m = this.leaderMessage('appendEntries', to);
    m.index = prevIndex;
    m.logTerm = prevTerm;
    m.entries = ents;
    m.commit = this.log.committed;
    pr.sentEntries(ents.length, prevIndex + ents.length);
    this.send(m);
    return true;
  }

  private sendSnapshot(to: NodeId, pr: Progress): boolean {
    if (!this.isRecentActive(to)) return false; // do not stream a snapshot into the void
    const toWitness = this.membership().witnesses.includes(to);
    // A witness has no state machine: it cannot give a data member a snapshot worth loading.
    if (this.cfg.isWitness && !toWitness) return false;
    let snap;
    try {
      snap = this.log.snapshot();
    } catch (e) {
      if (e instanceof SnapshotTemporarilyUnavailableError) return false;
      throw e;
    }
    if (snap.metadata.index === 0) throw new RaftInvariantError('needed a snapshot but none exists');
    pr.becomeSnapshot(snap.metadata.index);
    const m = this.leaderMessage('installSnapshot', to);
    // Witnesses only need the metadata (index, term, configuration).
    m.snapshot = toWitness ? { metadata: snap.metadata, data: new Uint8Array() } : snap;
    m.commit = this.log.committed;
    this.send(m);
    return true;
  }

  private leaderMessage(type: MessageType, to: NodeId): Message {
    const m = this.message(type, to);
    m.sentTick = this.tickCount;
    m.dataIndex = this.dataIndex();
    return m;
  }

  bcastAppend(): void {
    for (const id of this.prs.keys()) if (id !== this.id) this.sendAppend(id);
  }

  /**
   * Like bcastAppend(), then keeps sending to each follower in the replicate state while entries remain
   * and its inflight window has room, so a batch larger than maxSizePerMsgBytes does not wait for
   * acknowledgements to leave (Raft §5.3 pipelining; each message stays within the size limit).
   */
  bcastAppendPipelined(): void {
    for (const id of this.prs.keys()) {
      if (id === this.id || !this.sendAppend(id)) continue;
      for (let budget = this.cfg.maxInflightMsgs; budget > 0 && this.sendAppend(id, false); budget--);
    }
  }

  bcastHeartbeat(): void {
    for (const [id, pr] of this.prs) {
      if (id === this.id) continue;
      const m = this.leaderMessage('heartbeat', id);
      // The follower may not hold entries past its match yet: never tell it a commit beyond them.
      m.commit = Math.min(pr.match, this.log.committed);
      this.send(m);
    }
  }

  // ---- leadership transfer (thesis §3.10) ----

  abortLeaderTransfer(): void {
    this.leadTransferee = null;
    this.transferElapsed = 0;
  }

  sendTimeoutNow(to: NodeId): void {
    this.timeoutNowSent = true;
    this.send(this.message('timeoutNow', to));
  }

  // ---- messages ----

  step(m: Message): void {
    if (m.to !== this.id) throw new RaftInvariantError(`message for ${m.to} stepped into ${this.id}`);
    if (m.term > this.term) {
      const isVoteRequest = m.type === 'requestVote' || m.type === 'requestPreVote';
      // Thesis §6 / §9.6 leader stickiness: ignore (pre-)votes while a leader is known to be alive,
      // unless the leader itself asked for the election (TimeoutNow).
      if (isVoteRequest && this.inLease() && !m.leadershipTransfer) return;
      if (m.type === 'requestPreVote' || (m.type === 'requestPreVoteResponse' && !m.reject)) {
        // Thesis §9.6: pre-votes never change anyone's term.
      } else if (m.type === 'appendEntries' || m.type === 'heartbeat' || m.type === 'installSnapshot') {
        this.becomeFollower(m.term, m.from); // Figure 2, all servers: adopt the newer term
      } else {
        this.becomeFollower(m.term, null);
      }
    } else if (m.term < this.term) {
      stepStale(this, m);
      return;
    }
    if (m.type === 'requestVote' || m.type === 'requestPreVote') {
      handleVoteRequest(this, m);
      return;
    }
    if (this.role === 'leader') stepLeader(this, m);
    else if (this.role === 'follower') stepFollower(this, m);
    else stepCandidate(this, m);
  }
}
