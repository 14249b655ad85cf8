import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { writeSingleMemberState } from '@tandem/replication';
import type { MailStore } from '@tandem/store';

/**
 * The break-glass `tandem cluster force-single` (DESIGN §2): makes a lone data node a one-member
 * cluster so that it can elect itself and serve when the witness and the other data node are both
 * gone. Raft cannot do this by a membership change (that needs the quorum that is missing), so the
 * member's Raft state is rebuilt offline, like etcd's --force-new-cluster:
 *   1. the old Raft directory is kept aside as raft.before-force-single-<time> (forensics);
 *   2. a new one holds a snapshot of the store at the applied index, whose configuration is this
 *      member alone, and the hard state (term, vote for itself, commit = that index);
 * then tandemd restarts and elects itself. Entries this member had received but not applied are
 * dropped with the old log (they were never acknowledged to a client by this member).
 * The caller stops the member's RaftNode first and keeps the store open (its lock is held).
 */
export interface ForceSingleInput {
  dataDir: string;
  selfId: string;
  store: MailStore;
  /** The Raft index the state machine has applied (≥ the store's own applied index: no-ops count). */
  appliedIndex: number;
  term: number;
}

export interface ForceSingleResult { node: string; index: number; term: number; previousRaftDir: string }

export async function rewriteAsSingleMember(input: ForceSingleInput): Promise<ForceSingleResult> {
  const raftDir = join(input.dataDir, 'raft');
  const previousRaftDir = join(input.dataDir, `raft.before-force-single-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  await input.store.sync();
  renameSync(raftDir, previousRaftDir);
  // A new term: nothing this member did in the old cluster's current term can be mistaken for it.
  const term = input.term + 1;
  await writeSingleMemberState(raftDir, { selfId: input.selfId, index: input.appliedIndex, term, writeSnapshot: (path) => input.store.writeSnapshotFile(path) });
  return { node: input.selfId, index: input.appliedIndex, term, previousRaftDir };
}
