// Vote requests (Figure 2, RequestVote receiver; thesis §9.6 Pre-Vote) and messages from older terms.
import type { Message } from './message.js';
import { newMessage } from './message.js';
import type { Raft } from './raft.js';

/** A message from an older term (Figure 2: AppendEntries and RequestVote receivers, rule 1). */
export function stepStale(r: Raft, m: Message): void {
  if (m.type === 'appendEntries' || m.type === 'heartbeat') {
    // Reply false with our term so a leader cut off by a partition steps down: with Pre-Vote it could
    // otherwise never learn the new term. No sentTick: we did not accept it as leader (no lease credit).
    const resp = r.message('appendEntriesResponse', m.from);
    resp.reject = true;
    resp.index = m.index;
    resp.rejectHint = m.index;
    r.send(resp);
  } else if (m.type === 'requestVote' || m.type === 'requestPreVote') {
    const resp = r.message(m.type === 'requestVote' ? 'requestVoteResponse' : 'requestPreVoteResponse', m.from);
    resp.reject = true;
    r.send(resp);
  }
}

/** Figure 2, RequestVote receiver; thesis §9.6 for pre-votes. */
export function handleVoteRequest(r: Raft, m: Message): void {
  const pre = m.type === 'requestPreVote';
  const sticky = r.inLease() && !m.leadershipTransfer;
  const canVote = r.vote === m.from
    || (r.vote === null && r.lead === null && !sticky)
    || (pre && m.term > r.term);
  const respType = pre ? 'requestPreVoteResponse' : 'requestVoteResponse';
  // Rule 2: grant if votedFor is null or candidateId, and the candidate's log is at least as up to date.
  if (canVote && r.log.isUpToDate(m.index, m.logTerm)) {
    // A pre-vote grant carries the term the candidate will campaign in (thesis §9.6).
    r.send(newMessage(respType, r.id, m.from, m.term));
    if (!pre) {
      r.electionElapsed = 0;
      r.vote = m.from;
    }
  } else {
    const resp = r.message(respType, m.from);
    resp.reject = true;
    r.send(resp);
  }
}
