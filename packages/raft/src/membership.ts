// Cluster membership (thesis §4): who votes, who only stores the log (witness), who only follows.
// Invariant: witnesses ⊆ voters; learners ∩ voters = ∅; no id appears twice in a list.
import type { NodeId } from './entry.js';

export interface Membership {
  /** Members whose votes and log copies count toward elections and commitment (Raft §5.2, §5.3). */
  voters: NodeId[];
  /** Voters that store the log but hold no state machine: they never apply entries and never serve. */
  witnesses: NodeId[];
  /** Non-voting data members (thesis §4.2.1): they receive the log and apply it but do not count. */
  learners: NodeId[];
}

export function emptyMembership(): Membership {
  return { voters: [], witnesses: [], learners: [] };
}

export function cloneMembership(m: Membership): Membership {
  return { voters: [...m.voters], witnesses: [...m.witnesses], learners: [...m.learners] };
}

export function isVoter(m: Membership, id: NodeId): boolean {
  return m.voters.includes(id);
}

export function isWitnessMember(m: Membership, id: NodeId): boolean {
  return m.witnesses.includes(id);
}

export function isLearner(m: Membership, id: NodeId): boolean {
  return m.learners.includes(id);
}

/** Every member that receives the log: voters (data and witness) and learners. */
export function allMembers(m: Membership): NodeId[] {
  return [...m.voters, ...m.learners];
}

/** Voters that hold a state machine (not witnesses). */
export function dataVoters(m: Membership): NodeId[] {
  return m.voters.filter((id) => !m.witnesses.includes(id));
}

export function membershipEquals(a: Membership, b: Membership): boolean {
  const same = (x: NodeId[], y: NodeId[]): boolean =>
    x.length === y.length && [...x].sort().every((v, i) => v === [...y].sort()[i]);
  return same(a.voters, b.voters) && same(a.witnesses, b.witnesses) && same(a.learners, b.learners);
}

/** Votes needed for a majority of the voters (Raft §5.2). */
export function quorumSize(m: Membership): number {
  return Math.floor(m.voters.length / 2) + 1;
}
