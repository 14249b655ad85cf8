/**
 * Typed errors of the store itself (the command log seam's errors are in ./errors.ts).
 * Validation errors are thrown by the pure validators and, inside apply(), turned into an
 * `{ ok: false, error: 'INVALID' }` result; the I/O and corruption errors are fatal for the node.
 */

/** A mailbox name that is not allowed (traversal, control characters, too long, …). */
export class InvalidMailboxNameError extends Error {
  override readonly name = 'InvalidMailboxNameError';
  constructor(readonly mailbox: string, readonly reason: string) {
    super(`invalid mailbox name ${JSON.stringify(mailbox)}: ${reason}`);
  }
}

/** An address (or domain) that does not parse or may not be used here. */
export class InvalidAddressError extends Error {
  override readonly name = 'InvalidAddressError';
  constructor(readonly address: string, readonly reason: string) {
    super(`invalid address ${JSON.stringify(address)}: ${reason}`);
  }
}

/** A command that cannot be encoded, or bytes that are not an encoded command. */
export class CommandCodecError extends Error {
  override readonly name = 'CommandCodecError';
  constructor(reason: string) { super(`command codec: ${reason}`); }
}

/** The command log on disk is damaged beyond a torn tail (or does not match the store). Fatal. */
export class CommandLogCorruptError extends Error {
  override readonly name = 'CommandLogCorruptError';
  constructor(readonly path: string, reason: string) { super(`command log ${path}: ${reason}`); }
}

/** readMessage() for a message the index does not hold. */
export class MessageNotFoundError extends Error {
  override readonly name = 'MessageNotFoundError';
  constructor(readonly user: string, readonly mailbox: string, readonly uid: number) {
    super(`no message ${uid} in ${JSON.stringify(mailbox)} of ${user}`);
  }
}

export class QueuedMessageNotFoundError extends Error {
  override readonly name = 'QueuedMessageNotFoundError';
  constructor(readonly queueId: string) {
    super(`no queued message ${queueId}`);
  }
}

export class ArchivedMessageNotFoundError extends Error {
  override readonly name = 'ArchivedMessageNotFoundError';
  constructor(readonly seq: number) {
    super(`archive record ${seq} has no message (no such record, or retention expired it)`);
  }
}

/** An earlier apply() failed part-way (I/O error): the store must be reopened, which re-applies. */
export class StoreFailedError extends Error {
  override readonly name = 'StoreFailedError';
  constructor(readonly causeError: unknown) {
    super(`store failed earlier and must be reopened: ${causeError instanceof Error ? causeError.message : String(causeError)}`);
  }
}

/** A snapshot (archive, chunk or manifest) whose bytes do not check out. Nothing was changed by it. */
export class SnapshotCorruptError extends Error {
  override readonly name = 'SnapshotCorruptError';
  constructor(readonly source: string, reason: string) { super(`snapshot ${source}: ${reason}`); }
}

/** A snapshot taken at another log index than the caller expects (e.g. the Raft snapshot's index). */
export class SnapshotIndexMismatchError extends Error {
  override readonly name = 'SnapshotIndexMismatchError';
  constructor(readonly expectedIndex: number, readonly actualIndex: number, readonly atMost = false) {
    super(`snapshot is at applied index ${actualIndex}, expected ${atMost ? 'at most ' : ''}${expectedIndex}`);
  }
}

/** restoreSnapshot() on a data directory whose index is open (in this or another process). */
export class StoreInUseError extends Error {
  override readonly name = 'StoreInUseError';
  constructor(readonly dataDir: string) { super(`the store in ${dataDir} is open; close it before restoring a snapshot`); }
}
