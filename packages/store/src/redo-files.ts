/**
 * Recovery's redo of message files (docs/architecture.md, "Durability: the log, then checkpoints").
 *
 * After a power cut, the index may already hold entries past the last checkpoint (their batches
 * reached the disk) while their message files, never fsynced, are torn or missing. Those entries
 * are applied again from the log, from checkpoint + 1 on; for the ones at or below the applied
 * index, apply() only rewrites their files — every file the index STILL refers to, under the name
 * and in the folder the index now gives it, with the bytes of the log entry:
 *  - file names carry the log index that made them ("…L<index>R<n>…", apply-delivery.ts), so
 *    one pass over the index at open finds the files of every such entry;
 *  - a file a later entry expunged, or a mailbox a later entry deleted, has no row any more and is
 *    not recreated; a mailbox renamed later is found under its new folder;
 *  - the outbound queue's files (message.send, apply-queue.ts) and held messages' (message.hold,
 *    apply-review.ts) are named the same way, in their folders;
 *  - only deliveries, sends and APPENDs carry bytes. A COPY's names are links to existing files, made
 *    durable by the COPY itself before it was acknowledged (file-plan.ts): nothing to redo.
 * Rewriting goes through tmp/ and a rename, so a reader never sees a partial file, and is
 * idempotent: redoing the same entry twice leaves the same bytes.
 */
import { dirname, join } from 'node:path';
import type { Command } from './command.js';
import type { IndexMirror } from './index-mirror.js';
import type { StorePaths } from './store-paths.js';
import type { FilePlan } from './file-plan.js';
import { messageTmpPath } from './apply-delivery.js';

/** "<cur|new>/<seconds>.L<index>R<n>.tandem,S=<size>[:2,…]" → the log index. */
const messageFileRe = /^(?:cur|new)\/\d+\.L(\d+)R\d+\.tandem,S=\d+(?::2,.*)?$/;

interface FileRef { path: string; sizeBytes: number }

export class RedoPlan {
  private constructor(
    /** The applied index at open: entries up to here get their files redone, not applied. */
    readonly untilIndex: number,
    private readonly refs: Map<number, FileRef[]>,
  ) {}

  /** The files of entries in (checkpointIndex, appliedIndex] that the index refers to. */
  static build(mirror: IndexMirror, paths: StorePaths, checkpointIndex: number, appliedIndex: number): RedoPlan {
    const refs = new Map<number, FileRef[]>();
    const collect = (file: string, path: string, sizeBytes: number): void => {
      const match = messageFileRe.exec(file);
      const index = match ? Number(match[1]) : NaN;
      if (!(index > checkpointIndex && index <= appliedIndex)) return;
      const list = refs.get(index) ?? [];
      list.push({ path, sizeBytes });
      refs.set(index, list);
    };
    for (const [user, mailboxes] of mirror.mailboxes) {
      for (const mailbox of mailboxes.values()) {
        const folderDir = paths.folderDir(user, mailbox.folder);
        for (const row of mirror.messagesOf(user, mailbox.id).values()) collect(row.file, join(folderDir, row.file), row.sizeBytes);
      }
    }
    for (const row of mirror.queue.values()) collect(row.file, join(paths.queueDir, row.file), row.sizeBytes);
    for (const row of mirror.held.values()) collect(row.file, join(paths.reviewDir, row.file), row.sizeBytes);
    for (const row of mirror.archive.values()) if (row.file !== null) collect(row.file, join(paths.archiveDir, row.file), row.sizeBytes);
    return new RedoPlan(appliedIndex, refs);
  }

  /** Entries whose files are still to be rewritten. */
  get pending(): number { return this.refs.size; }

  /**
   * Plans rewriting the files of the entry at `index` from its command. Throws when the command
   * does not match what the index recorded for it (a log that is not this store's log).
   */
  plan(index: number, command: Command, files: FilePlan): void {
    const refs = this.refs.get(index);
    if (!refs) return;
    this.refs.delete(index);
    if (command.type !== 'message.deliver' && command.type !== 'message.append' && command.type !== 'message.send' && command.type !== 'message.hold') return;
    const bytes = command.message;
    for (const ref of refs) {
      if (!(bytes instanceof Uint8Array) || ref.sizeBytes !== bytes.length) {
        throw new Error(`log entry ${index} (${command.type}) does not match the index row of ${ref.path}`);
      }
    }
    // <folder>/<cur|new>/<name>: the folder's tmp/ is the file's staging name, as in apply.
    const folderDir = dirname(dirname(refs[0]!.path));
    const source = files.addSource(messageTmpPath(folderDir, Math.floor(command.timestampMs / 1000), index), bytes);
    for (const ref of refs.slice(0, -1)) files.link(source, ref.path);
    files.moveInto(source, refs[refs.length - 1]!.path);
  }
}
