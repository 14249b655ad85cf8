// What the core asks its driver to do, in one batch.
import type { Entry } from './entry.js';
import type { HardState, SoftState } from './hard-state.js';
import type { Message } from './message.js';
import type { Snapshot } from './snapshot.js';

/**
 * A batch of work from RawNode.ready(). THE ORDERING CONTRACT (the core's safety rests on it):
 *
 *  1. Persist first. Write `snapshot` (if any), then `entries` (replacing any stored entries from
 *     entries[0].index on), then `hardState` (if any) to stable storage, in that order. When `mustSync`
 *     is true, fsync all of it BEFORE step 2. (A vote or an acknowledgement that is sent and then
 *     forgotten in a crash breaks Raft: Figure 2, "updated on stable storage before responding to RPCs".)
 *     Any storage error is fatal: crash the process, never continue.
 *  2. Only then send `messages`, in any order (the network reorders anyway). A message to a member that
 *     cannot be reached may be dropped; call reportUnreachable(). If an installSnapshot message cannot be
 *     delivered, call reportSnapshot(to, 'failure'); when it has been delivered, reportSnapshot(to, 'finish').
 *
 *     THE ONE EXCEPTION (thesis §10.2.1: the leader writes its log in parallel with replicating it): a
 *     driver MAY send a Ready's messages before persisting its `entries` when ALL of these hold:
 *       (a) this member is the leader (softState.role, or the last role it reported);
 *       (b) the Ready carries no snapshot, and its hardState (if any) has the term and vote that are
 *           already durable — only `entries` (and commit) remain to be written;
 *       (c) every message is appendEntries, heartbeat or timeoutNow (never a vote or a response);
 *       (d) the driver still completes step 1 for this Ready — entries durable, fsynced — before it
 *           calls advance(), and so before the next ready().
 *     Why it is safe although the core counts the leader's own entries toward commit as soon as they
 *     are appended: a commit that needs the leader's copy of an entry also needs a follower's
 *     acknowledgement of it, which can only be stepped after the Ready that carries the entry was taken;
 *     whatever that acknowledgement moves (committedEntries, the commit sent to followers, dataIndex)
 *     leaves the core in a later Ready, which exists only after advance(), i.e. after the leader's
 *     fsync. Corollary: between ready() and advance(), status().commit may count entries the leader has
 *     not yet persisted — never acknowledge, apply or announce an entry from status().commit; act on
 *     Ready. (status().leaseValid stays sound: the lease rests on acknowledged heartbeats, and the
 *     no-op it waits for only proves the leader knows the commit index — Leader Completeness.)
 *     Followers and candidates never get this exception: their messages are votes and acknowledgements.
 *  3. Apply: if `snapshot` is set, load it into the state machine first; then apply `committedEntries`
 *     in index order (they are durable: committed by a quorum, and stored here by step 1). Apply nothing
 *     else. An entry of type 'normal' with empty data is a leader's no-op (Raft §8): skip it. Entries
 *     of type 'confChange' are already in effect in the core; the driver may read them (decodeConfChange)
 *     e.g. to learn a new peer's address from `context`, and must not apply them to the state machine.
 *     ON A WITNESS (config.isWitness) nothing is applied: there is no state machine. Its driver only
 *     looks at confChange entries as above, then calls advance(); committedEntries carry no obligation.
 *  4. Call advance(ready) exactly once, after steps 1–3 (or after step 1 and 2, if applying is handed to
 *     another worker that applies in order — advance() then only promises the entries WILL be applied).
 *     Do not call ready() again before advance().
 *
 * `softState` is informational (leader changes, role, membership); it needs no persistence.
 */
export interface Ready {
  softState?: SoftState;
  hardState?: HardState;
  /** New log entries to persist (may overwrite a conflicting suffix). */
  entries: Entry[];
  /** A snapshot to persist and load (received through InstallSnapshot). */
  snapshot?: Snapshot;
  /** Entries newly known committed, to apply in order (never on a witness). */
  committedEntries: Entry[];
  /** To send after persisting. */
  messages: Message[];
  /** Persisted data must be fsynced before sending: true when term, vote, entries or snapshot changed. */
  mustSync: boolean;
}
