/**
 * A member's Raft state written offline as a one-member cluster whose log begins after a snapshot
 * of the state machine (etcd's --force-new-cluster does the same): a snapshot at `index` in `term`
 * whose configuration is this member alone, and the hard state (term, a vote for itself, commit =
 * index). The member then elects itself and serves; the others are added back with membership
 * changes. Used by `tandem cluster force-single` and by `tandem backup restore` into a cluster
 * member. `raftDir` must not exist yet.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FileSnapshotStore } from './snapshot-store.js';
import { FileStableStore } from './stable-store.js';

export interface SingleMemberState {
  selfId: string;
  /** The log index the snapshot's state is at; the log goes on at index + 1. */
  index: number;
  term: number;
  /** Writes the state machine's snapshot file at `path`. */
  writeSnapshot(path: string): Promise<unknown>;
}

export async function writeSingleMemberState(raftDir: string, state: SingleMemberState): Promise<void> {
  if (existsSync(raftDir)) throw new Error(`${raftDir} exists: a member's Raft state is only written into an empty place`);
  const snapshots = FileSnapshotStore.open({ dir: join(raftDir, 'snapshots') });
  const path = snapshots.scratchPath();
  await state.writeSnapshot(path);
  await snapshots.adopt(path, { index: state.index, term: state.term, membership: { voters: [state.selfId], witnesses: [], learners: [] } });
  await FileStableStore.open({ dir: join(raftDir, 'state') }).save({ term: state.term, vote: state.selfId, commit: state.index });
}
