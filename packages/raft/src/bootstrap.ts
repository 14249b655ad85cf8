// The founding configuration of a new cluster, written into the log itself (as etcd does): committed
// confChange entries at indexes 1..k, of term 0 (before any election). Every founding member starts
// with the same entries; a member that joins later receives them like any other entries and so
// learns the configuration (a configuration kept only outside the log could not reach it).
import type { Entry } from './entry.js';
import type { ConfChange } from './conf-change.js';
import { applyConfChange, encodeConfChange } from './conf-change.js';
import type { Membership } from './membership.js';
import { emptyMembership } from './membership.js';

/** Data voters first (a witness needs a data voter beside it), then witnesses, then learners. */
export function bootstrapEntries(membership: Membership): Entry[] {
  const changes: ConfChange[] = [
    ...membership.voters.filter((id) => !membership.witnesses.includes(id)).map((nodeId) => ({ type: 'addVoter' as const, nodeId })),
    ...membership.witnesses.map((nodeId) => ({ type: 'addWitness' as const, nodeId })),
    ...membership.learners.map((nodeId) => ({ type: 'addLearner' as const, nodeId })),
  ];
  let check = emptyMembership();
  for (const c of changes) check = applyConfChange(check, c); // validates the founding configuration
  return changes.map((c, i) => ({ term: 0, index: i + 1, type: 'confChange' as const, data: encodeConfChange(c) }));
}
