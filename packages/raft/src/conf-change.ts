// A single-server membership change (thesis §4.1): the payload of a 'confChange' log entry.
// A member's configuration is the latest one in its log, committed or not (thesis §4.1), so the core
// decodes these itself; the driver only sees them (e.g. to learn a new peer's address from `context`).
import type { NodeId } from './entry.js';
import type { Membership } from './membership.js';
import { cloneMembership } from './membership.js';
import { InvalidConfChangeError } from './raft-errors.js';

/**
 * addVoter: add a data voter, or promote a learner to a data voter.
 * addWitness: add a witness voter (a new member only).
 * addLearner: add a non-voting data member (a new member only).
 * removeNode: remove any member.
 */
export type ConfChangeType = 'addVoter' | 'addWitness' | 'addLearner' | 'removeNode';

export interface ConfChange {
  type: ConfChangeType;
  nodeId: NodeId;
  /** Opaque to the core, e.g. the new member's addresses for the transport. */
  context?: string;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

export function encodeConfChange(change: ConfChange): Uint8Array {
  return textEncoder.encode(JSON.stringify(change));
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  const value: unknown = JSON.parse(textDecoder.decode(data));
  if (typeof value !== 'object' || value === null) throw new InvalidConfChangeError('not an object');
  const v = value as Record<string, unknown>;
  const types: ConfChangeType[] = ['addVoter', 'addWitness', 'addLearner', 'removeNode'];
  if (!types.includes(v.type as ConfChangeType) || typeof v.nodeId !== 'string' || v.nodeId === '') {
    throw new InvalidConfChangeError('bad type or nodeId');
  }
  const change: ConfChange = { type: v.type as ConfChangeType, nodeId: v.nodeId };
  if (typeof v.context === 'string') change.context = v.context;
  return change;
}

/**
 * Returns the membership after `change`, or throws InvalidConfChangeError. Each change moves at most
 * one voter in or out, so the old and new majorities always overlap (thesis §4.1). A change that would
 * leave no data voter is refused: the cluster would have nobody to serve or to hand leadership to.
 */
export function applyConfChange(m: Membership, change: ConfChange): Membership {
  const next = cloneMembership(m);
  const id = change.nodeId;
  const member = next.voters.includes(id) || next.learners.includes(id);
  switch (change.type) {
    case 'addVoter':
      if (next.voters.includes(id)) throw new InvalidConfChangeError(`${id} is already a voter`);
      next.learners = next.learners.filter((x) => x !== id);
      next.voters.push(id);
      break;
    case 'addWitness':
      if (member) throw new InvalidConfChangeError(`${id} is already a member`);
      next.voters.push(id);
      next.witnesses.push(id);
      break;
    case 'addLearner':
      if (member) throw new InvalidConfChangeError(`${id} is already a member`);
      next.learners.push(id);
      break;
    case 'removeNode':
      if (!member) throw new InvalidConfChangeError(`${id} is not a member`);
      next.voters = next.voters.filter((x) => x !== id);
      next.witnesses = next.witnesses.filter((x) => x !== id);
      next.learners = next.learners.filter((x) => x !== id);
      break;
  }
  if (next.voters.length > 0 && next.voters.every((v) => next.witnesses.includes(v))) {
    throw new InvalidConfChangeError('the change would leave no data voter');
  }
  if (m.voters.length > 0 && next.voters.length === 0) {
    throw new InvalidConfChangeError('the change would leave no voter');
  }
  return next;
}
