/**
 * Test support (not a test): what a power cut may destroy under a directory, learnt from the
 * store's own file-system steps (fs-observer.ts), and the means to destroy it.
 *
 * The model follows POSIX, not the kindness of a particular file system:
 *  - a name (a file's directory entry) is durable once its directory was fsynced after the name
 *    was made (by a write, a link or a rename); until then a power cut may take it away;
 *  - a file's bytes are durable once the file was fsynced (under any of its names) after they
 *    were written; until then a power cut may cut them short (to any length, zero included);
 *  - files the model never saw made (they were there when it started) are durable.
 * Left out, because the store makes them durable at once and a model of them would only test the
 * model: directories themselves (made, renamed and removed with their parents fsynced), and
 * removed names coming back.
 */
import { statSync, truncateSync, unlinkSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import type { FsObserver } from './fs-observer.js';

interface Name { id: number; durable: boolean }

export interface PowerCutDamage { removed: string[]; truncated: string[] }

export class DurabilityModel implements FsObserver {
  private nextId = 1;
  private readonly names = new Map<string, Name>();
  /** file identity (an inode) → its bytes are durable */
  private readonly bytesDurable = new Map<number, boolean>();

  constructor(private readonly root: string) {}

  private inside(path: string): boolean { return path.startsWith(this.root + '/'); }

  /** The entry of a name; one the model never saw made is an old, durable file. */
  private entry(path: string): Name {
    let name = this.names.get(path);
    if (!name) {
      name = { id: this.nextId++, durable: true };
      this.bytesDurable.set(name.id, true);
      this.names.set(path, name);
    }
    return name;
  }

  written(path: string): void {
    if (!this.inside(path)) return;
    const existing = this.names.get(path);
    if (existing) { this.bytesDurable.set(existing.id, false); return; } // truncated in place: same inode
    const id = this.nextId++;
    this.bytesDurable.set(id, false);
    this.names.set(path, { id, durable: false });
  }

  linked(from: string, to: string): void {
    if (!this.inside(to)) return;
    this.names.set(to, { id: this.entry(from).id, durable: false });
  }

  renamed(from: string, to: string): void {
    if (!this.inside(to)) return;
    const { id } = this.entry(from);
    this.names.delete(from);
    this.names.set(to, { id, durable: false });
  }

  unlinked(path: string): void { this.names.delete(path); }

  synced(path: string): void {
    const file = this.names.get(path);
    if (file) { this.bytesDurable.set(file.id, true); return; }
    for (const [p, name] of this.names) if (dirname(p) === path) name.durable = true;
  }

  renamedDir(from: string, to: string): void {
    for (const [p, name] of [...this.names]) {
      if (!p.startsWith(from + '/')) continue;
      this.names.delete(p);
      this.names.set(to + p.slice(from.length), name);
    }
  }

  removedTree(path: string): void {
    for (const p of [...this.names.keys()]) if (p === path || p.startsWith(path + '/')) this.names.delete(p);
  }

  /**
   * The power cut, carried out on the copy of the tree at `copyRoot` (this model's root when
   * omitted): each name that is not durable is removed or kept at random, and each file whose
   * bytes are not durable is cut short or kept at random. Then everything left counts as durable
   * (it is what the disk holds after the reboot).
   */
  cut(random: () => number, copyRoot = this.root): PowerCutDamage {
    const damage: PowerCutDamage = { removed: [], truncated: [] };
    const where = (p: string): string => `${copyRoot}/${relative(this.root, p)}`;
    for (const [path, name] of [...this.names]) {
      if (name.durable || random() >= 0.5) continue;
      try { unlinkSync(where(path)); } catch (err) { if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; }
      this.names.delete(path);
      damage.removed.push(relative(this.root, path));
    }
    const done = new Set<number>();
    for (const [path, name] of this.names) {
      if (this.bytesDurable.get(name.id) !== false || done.has(name.id)) continue;
      done.add(name.id);
      if (random() >= 0.6) continue;
      let size: number;
      try { size = statSync(where(path)).size; } catch { continue; }
      if (size === 0) continue;
      truncateSync(where(path), Math.floor(random() * size)); // every name of the inode sees it
      damage.truncated.push(relative(this.root, path));
    }
    this.names.clear();
    this.bytesDurable.clear();
    return damage;
  }
}
