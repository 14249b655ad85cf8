import { mkdirSync, readFileSync, readdirSync, unlinkSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { HardState } from '@tandem/raft';
import { CorruptionError, FatalStorageError } from './errors.js';
import { crashProcess, type FatalHandler } from './fatal-handler.js';

/**
 * Durable currentTerm and votedFor (Raft Figure 2: "updated on stable storage before responding
 * to RPCs"), plus commitIndex as a hint. The file is replaced atomically: write a temporary file,
 * fsync it, rename it over the old one, fsync the directory. A reader therefore sees either the
 * old or the new state, never a mix. The caller awaits save() BEFORE sending any message that
 * depends on the new state (a vote reply, a request carrying the new term).
 *
 * Invariant: a save that failed poisons the store (fsyncgate, see errors.ts FatalStorageError).
 */
export interface StableStoreOptions {
  dir: string;
  onFatal?: FatalHandler;
  /** Test seam: throwing from it simulates the named I/O step failing. */
  injectFault?: (operation: string, path: string) => void;
}

interface StoredState extends HardState {
  crc32: number;
}

const fileName = 'hard-state.json';

export class FileStableStore {
  /** fsyncs done (file + directory), for tests and the bench. */
  fsyncs = 0;
  private current: HardState;
  private writing: Promise<void> = Promise.resolve();
  private poisoned: FatalStorageError | undefined;
  private readonly onFatal: FatalHandler;

  private constructor(readonly dir: string, initial: HardState, private readonly options: StableStoreOptions) {
    this.current = initial;
    this.onFatal = options.onFatal ?? crashProcess;
  }

  /** Opens the store; a missing file is the zero state (term 0, no vote). Leftover temp files are removed. */
  static open(options: StableStoreOptions): FileStableStore {
    mkdirSync(options.dir, { recursive: true });
    for (const name of readdirSync(options.dir)) {
      if (name.startsWith(`${fileName}.tmp`)) unlinkSync(join(options.dir, name));
    }
    const path = join(options.dir, fileName);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new FileStableStore(options.dir, { term: 0, vote: null, commit: 0 }, options);
      throw e;
    }
    let parsed: StoredState;
    try {
      parsed = JSON.parse(text) as StoredState;
    } catch {
      throw new CorruptionError(path, 0, 'hard state is not JSON');
    }
    const state: HardState = { term: parsed.term, vote: parsed.vote, commit: parsed.commit };
    if (checksum(state) !== parsed.crc32) throw new CorruptionError(path, 0, 'hard state checksum mismatch');
    return new FileStableStore(options.dir, state, options);
  }

  /** The last state saved (or loaded). */
  hardState(): HardState {
    return { ...this.current };
  }

  /**
   * Makes `state` durable. Saves run one at a time in call order; resolves once this one is on disk.
   * Term never decreases (Raft Figure 2: currentTerm increases monotonically): a lower term is a bug.
   */
  save(state: HardState): Promise<void> {
    if (this.poisoned !== undefined) return Promise.reject(this.poisoned);
    if (state.term < this.current.term) {
      throw new RangeError(`hard state term would go back from ${this.current.term} to ${state.term}`);
    }
    const copy: HardState = { term: state.term, vote: state.vote, commit: state.commit };
    this.current = copy;
    const run = this.writing.then(() => this.write(copy));
    this.writing = run.catch(() => undefined);
    return run;
  }

  private async write(state: HardState): Promise<void> {
    if (this.poisoned !== undefined) throw this.poisoned;
    const path = join(this.dir, fileName);
    const tmp = `${path}.tmp`;
    const body = JSON.stringify({ ...state, crc32: checksum(state) } satisfies StoredState);
    let step = 'open';
    try {
      this.options.injectFault?.(step, tmp);
      const handle = await open(tmp, 'w');
      try {
        step = 'write';
        this.options.injectFault?.(step, tmp);
        await handle.writeFile(body);
        step = 'fsync';
        this.options.injectFault?.(step, tmp);
        await handle.sync();
        this.fsyncs++;
      } finally {
        await handle.close();
      }
      step = 'rename';
      this.options.injectFault?.(step, path);
      await rename(tmp, path);
      step = 'fsync';
      this.options.injectFault?.(step, this.dir);
      const dir = await open(this.dir, 'r');
      try {
        await dir.sync();
        this.fsyncs++;
      } finally {
        await dir.close();
      }
    } catch (e) {
      const fatal = new FatalStorageError(step, path, e);
      this.poisoned = fatal;
      this.onFatal(fatal);
      throw fatal;
    }
  }
}

function checksum(state: HardState): number {
  return crc32(JSON.stringify([state.term, state.vote, state.commit]));
}

