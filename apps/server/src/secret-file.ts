import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * A small secret kept in the data dir with mode 0600 (the admin token, the dev demo password):
 * read when it exists, otherwise made once and kept, so later starts use the same value.
 */
export function readOrCreateSecret(path: string, make: () => string = () => randomBytes(24).toString('base64url')): string {
  try {
    const existing = readFileSync(path, 'utf8').trim();
    if (existing.length > 0) return existing;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const value = make();
  writeSecret(path, value, 'w');
  return value;
}

export function writeSecret(path: string, value: string, flag: 'w' | 'wx' = 'w'): void {
  writeFileSync(path, `${value}\n`, { mode: 0o600, flag });
  chmodSync(path, 0o600);
}
