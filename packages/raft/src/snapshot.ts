// A snapshot (Raft §7): the state machine at `index`, replacing every entry up to it.
import type { Membership } from './membership.js';

export interface SnapshotMetadata {
  /** Last log index the snapshot covers. */
  index: number;
  /** Term of the entry at `index`. */
  term: number;
  /** The configuration in effect at `index` (thesis §4: the configuration is part of the snapshot). */
  membership: Membership;
}

/**
 * `data` is opaque to the core. A witness holds no state machine, so its snapshots carry empty data;
 * the leader also sends witnesses snapshots with empty data (they only need the metadata).
 */
export interface Snapshot {
  metadata: SnapshotMetadata;
  data: Uint8Array;
}
