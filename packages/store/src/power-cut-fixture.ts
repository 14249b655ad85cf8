/**
 * Test support (not a test): a simulated power cut of a store's data directory.
 *
 *  - Message files: a DurabilityModel (fs-durability-model.ts) watches the store's file steps
 *    and, at the cut, removes or cuts short exactly what no fsync has made durable.
 *  - The LevelDB index: a copy of `<data>/index` is taken right after every synced LevelDB write
 *    (MailStore's afterIndexSync hook), and the cut rolls the index back to the last copy: all
 *    unsynced batches are lost, the most a power cut can do to LevelDB.
 *  - The command log is left as it is: its acknowledged entries were fdatasynced before apply.
 *
 * Use: open the store with `afterIndexSync: cut.afterIndexSync`, call start() once it is open,
 * freeze() at the moment of the cut (from a store hook, so no file step is half done), stop using
 * the store, then damage() — on the data directory itself, or on a copy taken at the freeze.
 */
import { copyFileSync, cpSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setFsObserver } from './fs-observer.js';
import { DurabilityModel } from './fs-durability-model.js';
import type { PowerCutDamage } from './fs-durability-model.js';

export class PowerCut {
  private model: DurabilityModel;
  private readonly indexCopy: string;
  private frozen = false;

  constructor(private readonly dataDir: string, scratchDir: string) {
    this.model = new DurabilityModel(join(dataDir, 'mail'));
    this.indexCopy = join(scratchDir, 'index-at-last-sync');
  }

  /** MailStore's afterIndexSync hook: the index as a power cut from now on would leave it. */
  readonly afterIndexSync = (): void => {
    if (this.frozen) return;
    copyLiveLevelDb(join(this.dataDir, 'index'), this.indexCopy);
  };

  /** Starts watching (call with the store open: its checkpoint row is synced at open). */
  start(): void {
    this.frozen = false;
    this.afterIndexSync();
    setFsObserver(this.model);
  }

  /** The moment of the cut: nothing that happens later counts. Optionally copies the data dir (not the index) to `copyTo`. */
  freeze(copyTo?: string): void {
    this.frozen = true;
    setFsObserver(undefined);
    if (copyTo) copyTreeAsItIs(this.dataDir, copyTo, join(this.dataDir, 'index'));
  }

  /**
   * Carries the cut out on `dir` (the data dir, or the copy made by freeze()): damages the mail
   * files and puts the index back to its last synced state. The store on `dir` must be closed.
   */
  damage(random: () => number, dir = this.dataDir): PowerCutDamage {
    const damage = this.model.cut(random, join(dir, 'mail'));
    rmSync(join(dir, 'index'), { recursive: true, force: true });
    cpSync(this.indexCopy, join(dir, 'index'), { recursive: true });
    this.model = new DurabilityModel(join(this.dataDir, 'mail'));
    return damage;
  }

  /** Stops watching for good. */
  stop(): void { setFsObserver(undefined); }
}

/**
 * A consistent copy of a LevelDB directory that is open and may be compacting: CURRENT and the
 * MANIFEST first, then whatever else is there (so every table the copied MANIFEST names existed
 * when the rest was listed); a file that a compaction deleted meanwhile means starting over.
 */
function copyLiveLevelDb(from: string, to: string): void {
  for (let attempt = 1; ; attempt++) {
    rmSync(to, { recursive: true, force: true });
    mkdirSync(to, { recursive: true });
    try {
      const first = readdirSync(from).filter((n) => n === 'CURRENT' || n.startsWith('MANIFEST-'));
      for (const name of first) copyFileSync(join(from, name), join(to, name));
      for (const name of readdirSync(from)) if (!first.includes(name)) copyFileSync(join(from, name), join(to, name));
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 50) throw err;
    }
  }
}

/**
 * Copies a tree that the thread pool may still be changing (a compaction removing a log segment,
 * the staging area dropping a file): what vanishes while it is copied is left out, as a power cut
 * at that instant could have found it already gone.
 */
function copyTreeAsItIs(from: string, to: string, skip: string): void {
  mkdirSync(to, { recursive: true });
  let names: string[];
  try { names = readdirSync(from); } catch (err) { if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; throw err; }
  for (const name of names) {
    const [src, dst] = [join(from, name), join(to, name)];
    if (src === skip) continue;
    try {
      if (statSync(src).isDirectory()) copyTreeAsItIs(src, dst, skip);
      else copyFileSync(src, dst);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}
