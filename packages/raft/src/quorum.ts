// Majority arithmetic over the voters (Raft §5.2 elections, §5.3 commitment). Pure functions.
import type { NodeId } from './entry.js';

export type VoteResult = 'won' | 'lost' | 'pending';

/**
 * The largest value a majority of voters has reached (e.g. the highest index replicated on a
 * majority). With no voters, returns +Infinity (nothing constrains it; the caller must cap it).
 */
export function majorityValue(voters: readonly NodeId[], valueOf: (id: NodeId) => number): number {
  if (voters.length === 0) return Number.POSITIVE_INFINITY;
  const values = voters.map(valueOf).sort((a, b) => b - a);
  const q = Math.floor(voters.length / 2) + 1;
  return values[q - 1] as number;
}

export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  const q = Math.floor(voters.length / 2) + 1;
  let granted = 0;
  let rejected = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === true) granted++;
    else if (v === false) rejected++;
  }
  if (granted >= q) return 'won';
  if (voters.length - rejected < q) return 'lost';
  return 'pending';
}
