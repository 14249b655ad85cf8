/**
 * Shared pieces for the store's tests (not exported from the package): temp dirs, a store fed
 * with consecutive log indexes, a fixed clock for commands, file-tree snapshots and a seeded PRNG.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from './command.js';
import type { ApplyResult } from './apply-result.js';
import { MailStore } from './mail-store.js';
import type { MailStoreOptions } from './mail-store.js';

/** A well-formed scrypt hash (apply() only checks the format), so command logs are reproducible. */
export const fixedPasswordHash = `$scrypt$ln=15,r=8,p=1$${'A'.repeat(22)}$${'B'.repeat(43)}`;
export const baseTimeMs = 1_767_225_600_000; // 2026-01-01T00:00:00Z

export async function makeTempDir(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `tandem-${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A store plus a counter that hands out the next log index, like a log would. */
export class StoreFeeder {
  private constructor(public store: MailStore, readonly dataDir: string, private nextIndex: number) {}

  static async open(dataDir: string, hooks: Omit<MailStoreOptions, 'dataDir'> = {}): Promise<StoreFeeder> {
    const store = await MailStore.open({ dataDir, ...hooks });
    return new StoreFeeder(store, dataDir, store.appliedIndex + 1);
  }

  /** Applies at the next index; the command's time is baseTimeMs + index seconds unless given. */
  async apply(command: DistributiveOmit<Command, 'timestampMs'> & { timestampMs?: number }): Promise<ApplyResult> {
    const index = this.nextIndex++;
    return this.store.apply(index, { timestampMs: baseTimeMs + index * 1000, ...command } as Command);
  }

  /** Applies and asserts success, returning the value. */
  async ok<V = unknown>(command: DistributiveOmit<Command, 'timestampMs'> & { timestampMs?: number }): Promise<V> {
    const result = await this.apply(command);
    if (!result.ok) throw new Error(`${command.type} failed: ${result.error} ${result.message}`);
    return result.value as V;
  }

  /** domain example.test + user demo@example.test. */
  async withDemoUser(quotaBytes?: number): Promise<string> {
    await this.ok({ type: 'domain.add', domain: 'example.test' });
    const user = 'demo@example.test';
    await this.ok({ type: 'user.add', address: user, passwordHash: fixedPasswordHash, ...(quotaBytes !== undefined ? { quotaBytes } : {}) });
    return user;
  }

  async close(): Promise<void> { await this.store.close(); }
}

export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export function deliverCommand(n: number, user: string, mailbox = 'INBOX', extra: Partial<{ dedupeKey: string; body: string }> = {}): DistributiveOmit<Command, 'timestampMs'> {
  const body = extra.body ?? `Subject: message ${n}\r\n\r\nbody ${n}\r\n`;
  return {
    type: 'message.deliver', dedupeKey: extra.dedupeKey ?? `dedupe-${n}`, queueId: `Q${n}`,
    envelope: { mailFrom: 'sender@example.org', rcptTo: [user] },
    recipients: [{ user, mailbox }], message: Buffer.from(body),
  };
}

/** Every path under root with "dir" or the sha256 of the file's bytes, sorted: equal trees ⇔ equal lists. */
export async function fileTree(root: string): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  const names = (await readdir(root, { recursive: true })).sort();
  for (const name of names) {
    const path = join(root, name);
    const st = await stat(path);
    out.push([name, st.isDirectory() ? 'dir' : createHash('sha256').update(await readFile(path)).digest('hex')]);
  }
  return out;
}

/** mulberry32: small, seedable, good enough for test workloads. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed from TEST_SEED, or a fresh one; print it so a failure can be replayed. */
export function testSeed(): number {
  const fromEnv = process.env['TEST_SEED'];
  return fromEnv ? Number(fromEnv) : Math.floor(Math.random() * 2 ** 31);
}


export { checkStoreFiles as checkConsistency } from './check-store-files.js';
