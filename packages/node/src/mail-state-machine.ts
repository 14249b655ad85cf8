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
import { decodeCommand, type ApplyResult, type Command, type MailStore } from '@tandem/store';

export class MailStateMachine implements StateMachine<ApplyResult> {
  /**
   * Commands decoded by prepare(), by index, until their apply() (the driver prepares a run of
   * committed entries, then applies them): each entry is decoded once. A committed index never
   * holds another entry, so the index is key enough.
   */
  private readonly prepared = new Map<number, Command>();

  constructor(private readonly store: MailStore) {}

  apply(entry: CommittedEntry): Promise<ApplyResult> {
    const command = this.prepared.get(entry.index) ?? decodeCommand(entry.data);
    this.prepared.delete(entry.index);
    return this.store.apply(entry.index, command);
  }

  /**
   * Committed, so applied next with exactly this command: the store may write its message file now,
   * into a file made ahead (message-staging.ts), instead of creating one on the apply path.
   */
  prepare(entry: CommittedEntry): void {
    let command;
    try { command = decodeCommand(entry.data); } catch { return; } // apply() meets the error, in its turn
    this.prepared.set(entry.index, command);
    this.store.prepare(entry.index, command);
  }

  async snapshot(path: string): Promise<void> {
    await this.store.writeSnapshotFile(path);
  }

  async restore(path: string, index: number): Promise<void> {
    this.prepared.clear();
    await this.store.replaceWithSnapshot(path, { appliedIndex: index });
  }
}
