import type { ConfigProblem } from './config-error.js';

/**
 * Collects every problem of a config tree (so one run names them all) and reads typed values out
 * of it; each read falls back to the default when the key is absent or wrong.
 */
export type Tree = Record<string, unknown>;

export class Checker {
  readonly problems: ConfigProblem[] = [];
  constructor(private readonly labels: ReadonlyMap<string, string>) {}

  fail(key: string, problem: string): undefined {
    this.problems.push({ key: this.labels.get(key) ?? key, problem });
    return undefined;
  }

  /** An optional nested object; unknown keys in it are reported. */
  object(parent: Tree, key: string, path: string, known: readonly string[]): Tree {
    const value = parent[key];
    if (value === undefined) return {};
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(path, `must be an object, got ${describe(value)}`);
      return {};
    }
    this.unknownKeys(value as Tree, path, known);
    return value as Tree;
  }

  unknownKeys(tree: Tree, path: string, known: readonly string[]): void {
    for (const key of Object.keys(tree)) {
      if (!known.includes(key)) {
        const at = path ? `${path}.${key}` : key;
        this.fail(at, `unknown key (known keys${path ? ` of ${path}` : ''}: ${known.join(', ')})`);
      }
    }
  }

  integer(tree: Tree, key: string, path: string, min: number, max: number, fallback: number): number {
    const value = tree[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      return this.fail(path, `must be an integer ${min}–${max}, got ${describe(value)}`) ?? fallback;
    }
    return value;
  }

  string(tree: Tree, key: string, path: string, fallback: string): string;
  string(tree: Tree, key: string, path: string, fallback: undefined): string | undefined;
  string(tree: Tree, key: string, path: string, fallback: string | undefined): string | undefined {
    const value = tree[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || value.length === 0) {
      return this.fail(path, `must be a non-empty string, got ${describe(value)}`) ?? fallback;
    }
    return value;
  }

  boolean(tree: Tree, key: string, path: string, fallback: boolean): boolean {
    const value = tree[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') return this.fail(path, `must be true or false, got ${describe(value)}`) ?? fallback;
    return value;
  }
}

export function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return JSON.stringify(value) ?? String(value);
}

