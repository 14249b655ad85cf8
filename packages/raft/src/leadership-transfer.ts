// Leadership transfer (thesis §3.10) and the witness hand-over built on it (DESIGN §2). The leader
// stops accepting proposals, brings the target's log up to date, then sends TimeoutNow; the target
// campaigns at once and voters waive leader stickiness for it.
import type { NodeId } from './entry.js';
import { dataVoters } from './membership.js';
import type { Raft } from './raft.js';

export function startLeaderTransfer(r: Raft, to: NodeId): void {
  r.abortLeaderTransfer();
  r.leadTransferee = to;
  r.transferElapsed = 0;
  const pr = r.prs.get(to);
  if (pr !== undefined && pr.match === r.log.lastIndex()) r.sendTimeoutNow(to);
  else r.sendAppend(to);
}

/**
 * A witness leader serves nobody: it brings the most advanced responsive data voter up to date and
 * hands leadership to it (DESIGN §2).
 */
export function maybeWitnessHandOver(r: Raft): void {
  if (!r.cfg.isWitness || r.role !== 'leader' || r.leadTransferee !== null) return;
  let best: NodeId | null = null;
  let bestMatch = -1;
  for (const id of dataVoters(r.membership()).sort()) {
    const pr = r.prs.get(id);
    if (id === r.id || pr === undefined || pr.ackedSentTick === Number.NEGATIVE_INFINITY) continue;
    if (pr.match > bestMatch) {
      best = id;
      bestMatch = pr.match;
    }
  }
  if (best !== null) startLeaderTransfer(r, best);
}
