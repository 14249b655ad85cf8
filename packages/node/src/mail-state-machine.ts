/**
 * The Raft state machine of a data member: MailStore.apply() for committed entries (prepared first,
 * so their message files go into files made ahead), the store's
 * own snapshot archive for Raft §7 snapshots (a consistent image of Maildir + index, streamed to a
 * follower in chunks by the replication driver), and an in-place restore that keeps the MailStore
 * object valid for everyone holding it.
 *
 * A witness has no state machine (DESIGN §2). An entry that cannot be decoded is fatal (a throw):
 * skipping it would make this node's store differ from the others'.
 */
import type { CommittedEntry, StateMachine } from '@tandem/replication';
import { decodeCommand, type ApplyResult, type MailStore } from '@tandem/store';

export class MailStateMachine implements StateMachine<ApplyResult> {
  constructor(private readonly store: MailStore) {}

  apply(entry: CommittedEntry): Promise<ApplyResult> {
    return this.store.apply(entry.index, decodeCommand(entry.data));
  }

  /**
   * Committed, so applied next with exactly this command: the store may write its message file now,
   * into a file made ahead (message-staging.ts), instead of creating one on the apply path.
   */
  prepare(entry: CommittedEntry): void {
    let command;
    try { command = decodeCommand(entry.data); } catch { return; } // apply() meets the error, in its turn
    this.store.prepare(entry.index, command);
  }

  async snapshot(path: string): Promise<void> {
    await this.store.writeSnapshotFile(path);
  }

  async restore(path: string, index: number): Promise<void> {
    await this.store.replaceWithSnapshot(path, { appliedIndex: index });
  }
}
