// The leader lease (DESIGN §4). A leader holds it while a quorum has acknowledged a message the leader
// sent less than leaseTicks ago. Each acknowledging voter restarted its stickiness window (no vote for
// anyone for electionTimeoutTicks) no earlier than that send, and leaseTicks < electionTimeoutTicks,
// so no other member can win an election before the lease ends. Restarted voters keep the window too
// (Raft.leaderContactElapsed starts at 0), and a transfer ends the lease at once (the target is
// allowed to skip the window).
import { majorityValue } from './quorum.js';
import type { Raft } from './raft.js';

/** Ticks of lease left: a quorum acknowledged a message sent at most leaseTicks ago (see Status). */
export function leaseRemainingTicks(r: Raft): number {
  const voters = r.membership().voters;
  // DESIGN §4: a new leader serves (takes the VIP) only once an entry of its term is committed, so
  // its state includes everything committed before it.
  if (r.role !== 'leader' || !r.cfg.checkQuorum || r.cfg.isWitness
    || r.leadTransferee !== null || r.timeoutNowSent || !voters.includes(r.id)
    || r.log.committed < r.termStartIndex) return 0;
  const start = majorityValue(voters, (id) =>
    id === r.id ? r.tickCount : (r.prs.get(id)?.ackedSentTick ?? Number.NEGATIVE_INFINITY));
  return Math.max(0, start + r.cfg.leaseTicks - r.tickCount);
}
