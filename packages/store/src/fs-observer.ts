/**
 * A test seam on the store's file-system steps (durable-fs.ts): every step that creates, names,
 * removes or syncs something under the data directory is reported here once it has completed.
 * The power-loss tests feed these reports into a durability model (fs-durability-model.ts) that
 * knows, for every name and every file's bytes, whether an fsync has made them durable, and then
 * destroys exactly what a power cut could destroy. Production code never sets an observer; the
 * cost when none is set is one property read per step.
 */

export interface FsObserver {
  /** A file was created (or truncated) at `path` and its bytes written, not synced. */
  written(path: string): void;
  /** `to` is a new name (hard link) of the file at `from`. */
  linked(from: string, to: string): void;
  /** The file at `from` now has the name `to` (replacing what `to` was). */
  renamed(from: string, to: string): void;
  /** The name `path` was removed. */
  unlinked(path: string): void;
  /** `path` (a file or a directory) was fsynced. */
  synced(path: string): void;
  /** A directory moved, with everything in it. */
  renamedDir(from: string, to: string): void;
  /** `path` and everything under it were removed. */
  removedTree(path: string): void;
}

let current: FsObserver | undefined;

/** Installs (or, with undefined, removes) the observer. Tests only. */
export function setFsObserver(observer: FsObserver | undefined): void { current = observer; }

export function fsObserver(): FsObserver | undefined { return current; }
