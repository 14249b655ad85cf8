import type { HardState, Ready, Role } from '@tandem/raft';

/**
 * Raft thesis §10.2.1: the leader may write its log to disk in parallel with replicating it, so its
 * fsync and the followers' overlap instead of adding up — the one exception to "persist before send"
 * written on Ready (packages/raft/src/ready.ts, conditions (a)–(d)). True when this Ready's messages
 * may leave before its entries are persisted: (a) this member leads (`lastRole`: the role it last
 * reported, unless the Ready changes it); (b) no snapshot, and term and vote are already `durable`;
 * (c) only appendEntries, heartbeat and timeoutNow — never a vote or an acknowledgement. The caller
 * keeps (d): it persists the Ready before advance(), so before the next ready().
 *
 * Safe although the core counts the leader's own copy at append time: (1) a follower can acknowledge
 * these entries only after these messages leave, i.e. after this ready() was taken, so any commit
 * that relies on the leader's unpersisted copy shows up no earlier than the NEXT Ready; (2) the next
 * ready() is taken only after this Ready's persist step completed. So no commit index that counts an
 * unpersisted leader entry is ever applied, resolved to a client, or sent to a follower — provided
 * nothing acts on status().commit, which may run ahead meanwhile (the engine only reports it).
 * raft-engine.test.ts holds a leader's fsync and checks nothing is acknowledged, applied or announced
 * meanwhile, and that a leader dying in that fsync has told no client yes.
 */
export function maySendBeforePersist(rd: Ready, lastRole: Role, durable: HardState): boolean {
  if ((rd.softState?.role ?? lastRole) !== 'leader' || rd.snapshot !== undefined || rd.messages.length === 0) return false;
  if (rd.hardState !== undefined && (rd.hardState.term !== durable.term || rd.hardState.vote !== durable.vote)) return false;
  return rd.messages.every((m) => m.type === 'appendEntries' || m.type === 'heartbeat' || m.type === 'timeoutNow');
}
