// The state a member must persist before it answers anyone (Raft Figure 2, "Persistent state"),
// and the volatile state a driver may want to observe.
import type { NodeId } from './entry.js';
import type { Membership } from './membership.js';

export interface HardState {
  /** currentTerm (Raft Figure 2). */
  term: number;
  /** votedFor in `term`, or null (Raft Figure 2). */
  vote: NodeId | null;
  /** commitIndex. Persisting it is an optimisation (fewer re-applied entries), not a safety need. */
  commit: number;
}

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader';

/** Volatile state; reported in Ready.softState whenever it changes. Never persisted. */
export interface SoftState {
  lead: NodeId | null;
  role: Role;
  /** The configuration in effect: the latest one in the log, committed or not (thesis §4.1). */
  membership: Membership;
}

export function emptyHardState(): HardState {
  return { term: 0, vote: null, commit: 0 };
}

export function hardStateEquals(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
