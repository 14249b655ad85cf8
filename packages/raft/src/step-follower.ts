// How followers, pre-candidates and candidates handle messages of their own term
// (Figure 2 receiver rules; Raft §5.2, §7; thesis §3.10, §9.6).
import type { Message } from './message.js';
import type { Raft } from './raft.js';
import { RaftInvariantError } from './raft-errors.js';

export function stepFollower(r: Raft, m: Message): void {
  switch (m.type) {
    case 'appendEntries':
      hearFromLeader(r, m);
      handleAppendEntries(r, m);
      return;
    case 'heartbeat':
      hearFromLeader(r, m);
      handleHeartbeat(r, m);
      return;
    case 'installSnapshot':
      hearFromLeader(r, m);
      handleSnapshot(r, m);
      return;
    case 'timeoutNow':
      // Thesis §3.10: the leader asks us to start an election at once. A witness never takes leadership
      // on request: it would only hand it back.
      if (!r.cfg.isWitness) r.hup('transfer');
      return;
    default:
      return;
  }
}

export function stepCandidate(r: Raft, m: Message): void {
  switch (m.type) {
    case 'appendEntries':
    case 'heartbeat':
    case 'installSnapshot':
      // Raft §5.2: a candidate that hears from a leader of its term returns to follower.
      r.becomeFollower(m.term, m.from);
      stepFollower(r, m);
      return;
    case 'requestPreVoteResponse':
      if (r.role === 'preCandidate') r.poll(m.from, !m.reject);
      return;
    case 'requestVoteResponse':
      if (r.role === 'candidate') r.poll(m.from, !m.reject);
      return;
    default:
      return;
  }
}

function hearFromLeader(r: Raft, m: Message): void {
  if (r.lead !== null && r.lead !== m.from) {
    throw new RaftInvariantError(`two leaders in term ${r.term}: ${r.lead} and ${m.from}`);
  }
  r.lead = m.from;
  r.electionElapsed = 0;
  r.leaderContactElapsed = 0;
  // The latest value, not the highest: it drops when a data member joins (it holds nothing yet).
  r.dataIndexFromLeader = m.dataIndex;
}

function respond(r: Raft, m: Message): Message {
  const resp = r.message(m.type === 'heartbeat' ? 'heartbeatResponse' : 'appendEntriesResponse', m.from);
  resp.sentTick = m.sentTick; // echoed for the leader lease
  return resp;
}

/** Figure 2, AppendEntries receiver. */
function handleAppendEntries(r: Raft, m: Message): void {
  const resp = respond(r, m);
  if (m.index < r.log.committed) {
    // Everything up to commit is known to match; tell the leader where we are.
    resp.index = r.log.committed;
    r.send(resp);
    return;
  }
  const lastNew = r.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
  if (lastNew !== undefined) {
    resp.index = lastNew;
  } else {
    // Rule 2: reply false. Hint the leader past our whole conflicting term (Raft §5.3).
    const hint = r.log.findConflictByTerm(Math.min(m.index, r.log.lastIndex()), m.logTerm);
    resp.reject = true;
    resp.index = m.index;
    resp.rejectHint = hint.index;
    resp.logTerm = hint.term;
  }
  r.send(resp);
}

function handleHeartbeat(r: Raft, m: Message): void {
  // The leader caps commit at our matchIndex, so every entry up to it is known to match.
  r.log.commitTo(m.commit);
  r.send(respond(r, m));
}

/** Raft §7, InstallSnapshot receiver. */
function handleSnapshot(r: Raft, m: Message): void {
  const resp = respond(r, m);
  const snap = m.snapshot;
  if (snap !== undefined && r.restore(snap)) resp.index = r.log.lastIndex();
  else resp.index = r.log.committed;
  r.send(resp);
}
