// A Raft log entry (Raft §5.3): the unit the leader replicates and every data member applies in order.

/** Identifies a cluster member. Stable for the member's whole life; never reused for another member. */
export type NodeId = string;

/**
 * 'normal' entries carry an opaque command for the state machine (an empty `data` is the no-op a new
 * leader appends, Raft §5.4.2 / §8). 'confChange' entries carry an encoded {@link ConfChange}
 * (see conf-change.ts) and are interpreted by the core itself.
 */
export type EntryType = 'normal' | 'confChange';

export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  data: Uint8Array;
}

/** Approximate wire size, used for the per-message and per-Ready byte limits. */
export function entrySizeBytes(entry: Entry): number {
  return entry.data.byteLength + 24;
}
