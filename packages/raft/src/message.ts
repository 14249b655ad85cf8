// The messages members exchange (Raft Figure 2's RPCs, split into request and response messages,
// plus thesis §3.10 TimeoutNow and §9.6 Pre-Vote). Plain data: the transport encodes every field.
import type { Entry, NodeId } from './entry.js';
import type { Snapshot } from './snapshot.js';

export type MessageType =
  | 'appendEntries'
  | 'appendEntriesResponse' // also answers installSnapshot
  | 'requestVote'
  | 'requestVoteResponse'
  | 'requestPreVote' // thesis §9.6
  | 'requestPreVoteResponse'
  | 'heartbeat' // an appendEntries without entries and without the log-consistency check
  | 'heartbeatResponse'
  | 'installSnapshot' // Raft §7
  | 'timeoutNow'; // thesis §3.10

export const MESSAGE_TYPES: readonly MessageType[] = [
  'appendEntries', 'appendEntriesResponse', 'requestVote', 'requestVoteResponse', 'requestPreVote',
  'requestPreVoteResponse', 'heartbeat', 'heartbeatResponse', 'installSnapshot', 'timeoutNow',
];

export interface Message {
  type: MessageType;
  from: NodeId;
  to: NodeId;
  /** Sender's currentTerm; for requestPreVote, the term it would campaign in (thesis §9.6). */
  term: number;
  /**
   * appendEntries: prevLogTerm. requestVote/requestPreVote: lastLogTerm.
   * appendEntriesResponse with reject: the term of the follower's entry at rejectHint.
   */
  logTerm: number;
  /**
   * appendEntries: prevLogIndex. requestVote/requestPreVote: lastLogIndex.
   * appendEntriesResponse: the follower's last matching index on success, or the rejected prevLogIndex.
   */
  index: number;
  entries: Entry[];
  /** leaderCommit (appendEntries, heartbeat). */
  commit: number;
  reject: boolean;
  /** Fast backtracking (Raft §5.3, final paragraphs): a guess of the follower's last matching index. */
  rejectHint: number;
  snapshot?: Snapshot;
  /**
   * The leader's tick counter when it sent appendEntries/heartbeat/installSnapshot; echoed in the
   * response. The leader lease counts only acknowledgements of messages sent within leaseTicks.
   * 0 means none (ticks count from 1).
   */
  sentTick: number;
  /** Set by the leader: the index every data member holds (a witness may drop entries up to it). */
  dataIndex: number;
  /** requestVote/requestPreVote sent because of TimeoutNow: voters waive leader stickiness. */
  leadershipTransfer: boolean;
}

/** A message with every field at its zero value; the core fills in what the type needs. */
export function newMessage(type: MessageType, from: NodeId, to: NodeId, term: number): Message {
  return {
    type, from, to, term, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0,
    sentTick: 0, dataIndex: 0, leadershipTransfer: false,
  };
}

/** Responses are the only messages a member sends in answer to another; the rest start exchanges. */
export function isResponseMessage(type: MessageType): boolean {
  return type === 'appendEntriesResponse' || type === 'requestVoteResponse'
    || type === 'requestPreVoteResponse' || type === 'heartbeatResponse';
}
