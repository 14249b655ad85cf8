// How a leader handles messages of its own term (Raft §5.3 replication, thesis §3.10 transfer).
import type { Message } from './message.js';
import type { Raft } from './raft.js';
import { maybeWitnessHandOver } from './leadership-transfer.js';

export function stepLeader(r: Raft, m: Message): void {
  switch (m.type) {
    case 'appendEntriesResponse':
      handleAppendEntriesResponse(r, m);
      return;
    case 'heartbeatResponse':
      handleHeartbeatResponse(r, m);
      return;
    default:
      // Vote responses from an election already won, a stray TimeoutNow, ...: nothing to do.
      return;
  }
}

function noteContact(r: Raft, m: Message): void {
  const pr = r.prs.get(m.from);
  if (pr === undefined) return;
  pr.lastContactTick = r.tickCount;
  // Leader lease: the follower restarted its stickiness window no earlier than this tick.
  if (m.sentTick > 0) pr.ackedSentTick = Math.max(pr.ackedSentTick, m.sentTick);
}

function handleAppendEntriesResponse(r: Raft, m: Message): void {
  const pr = r.prs.get(m.from);
  if (pr === undefined) return;
  noteContact(r, m);
  if (m.reject) {
    // Raft §5.3: decrement nextIndex and retry — skipping straight past the follower's conflicting
    // term using its hint (the "optimization" paragraph at the end of §5.3).
    let hint = m.rejectHint;
    if (m.logTerm > 0) hint = r.log.findConflictByTerm(m.rejectHint, m.logTerm).index;
    if (pr.maybeDecrTo(m.index, hint)) {
      if (pr.state === 'replicate') pr.becomeProbe();
      r.sendAppend(m.from);
    }
    return;
  }
  const wasPaused = pr.isPaused();
  const updated = pr.maybeUpdate(m.index);
  if (!updated && !(pr.state === 'probe' && pr.match === m.index)) return;
  if (pr.state === 'probe') {
    pr.becomeReplicate();
  } else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) {
    pr.becomeProbe();
    pr.becomeReplicate();
  } else if (pr.state === 'replicate') {
    pr.inflights.freeLE(m.index);
  }
  if (r.maybeCommit()) {
    if (r.role !== 'leader') return; // stepped down: its removal committed (thesis §4.2.2)
    r.bcastAppend(); // spread the new commitIndex
  } else if (wasPaused) {
    r.sendAppend(m.from);
  }
  // Pipelining: keep the window full.
  let budget = r.cfg.maxInflightMsgs;
  while (budget-- > 0 && r.sendAppend(m.from, false));
  if (m.from === r.leadTransferee && pr.match === r.log.lastIndex()) {
    r.sendTimeoutNow(m.from); // thesis §3.10: the target's log is now current
  }
  maybeWitnessHandOver(r);
}

function handleHeartbeatResponse(r: Raft, m: Message): void {
  const pr = r.prs.get(m.from);
  if (pr === undefined) return;
  noteContact(r, m);
  pr.probeSent = false; // a lost probe must not stall the follower for good
  // Likewise a lost appendEntries must not keep a full replicate window shut: free one slot. If it was
  // lost, the follower rejects the next one and the leader falls back to probing.
  if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirstOne();
  if (pr.match < r.log.lastIndex()) r.sendAppend(m.from);
}
