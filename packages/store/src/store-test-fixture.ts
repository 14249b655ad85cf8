/**
 * Shared pieces for the store's tests (not exported from the package): temp dirs, a store fed
 * with consecutive log indexes, a fixed clock for commands, file-tree snapshots and a seeded PRNG.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { limits } from '@tandem/config';
import type { Command } from './command.js';
import type { ApplyResult } from './apply-result.js';
import { MailStore } from './mail-store.js';
import type { MailStoreOptions } from './mail-store.js';
import { mulberry32 } from '@tandem/testkit';

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

export const seededRandom = mulberry32;

/** The seed from TEST_SEED, or a fresh one; print it so a failure can be replayed. */
export function testSeed(): number {
  const fromEnv = process.env['TEST_SEED'];
  return fromEnv ? Number(fromEnv) : Math.floor(Math.random() * 2 ** 31);
}

const users = ['u1@example.test', 'u2@example.test'];
const names = ['INBOX', 'Work', 'Work/Sub', 'Play', 'a.b', 'Archive', 'Trash'];
const flagPool = ['\\Seen', '\\Deleted', '\\Flagged', '$Label1', 'Later'];

/** A random but reproducible log: successes and deterministic failures alike. */
export function workload(seed: number, length: number): Command[] {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const uids = (): number[] => Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => 1 + Math.floor(rnd() * 12));
  let t = baseTimeMs;
  const cmds: Command[] = [
    { type: 'domain.add', timestampMs: t, domain: 'example.test' },
    ...users.map((address): Command => ({ type: 'user.add', timestampMs: t, address, passwordHash: fixedPasswordHash, quotaBytes: 60_000 })),
  ];
  while (cmds.length < length) {
    t += rnd() < 0.03 ? limits.dedupeKeyRetentionMs / 2 : Math.floor(rnd() * 5000);
    const user = pick(users);
    const r = rnd();
    if (r < 0.4) {
      const recipients = users.filter(() => rnd() < 0.7).map((u) => ({ user: u, mailbox: rnd() < 0.8 ? 'INBOX' : pick(names) }));
      const body = Buffer.from(`Subject: ${Math.floor(rnd() * 1e9)}\r\n\r\n${'x'.repeat(Math.floor(rnd() * 3000))}\r\n`);
      cmds.push({ type: 'message.deliver', timestampMs: t, dedupeKey: `k${Math.floor(rnd() * 60)}`, queueId: `Q${cmds.length}`,
        envelope: { mailFrom: 's@example.org', rcptTo: recipients.map((x) => x.user) }, recipients, message: body });
    } else if (r < 0.48) {
      cmds.push({ type: 'message.append', timestampMs: t, user, mailbox: pick(names), message: Buffer.from(`appended ${cmds.length}`),
        flags: flagPool.filter(() => rnd() < 0.3), internalDateMs: t - 86_400_000 });
    } else if (r < 0.63) {
      cmds.push({ type: 'message.store', timestampMs: t, user, mailbox: pick(names), uids: uids(), operation: pick(['add', 'remove', 'replace'] as const),
        flags: flagPool.filter(() => rnd() < 0.4), ...(rnd() < 0.3 ? { unchangedSince: Math.floor(rnd() * 10) } : {}) });
    } else if (r < 0.73) {
      cmds.push({ type: 'message.copy', timestampMs: t, user, mailbox: rnd() < 0.6 ? 'INBOX' : pick(names), uids: uids(), target: pick(names), move: rnd() < 0.5 });
    } else if (r < 0.81) {
      cmds.push({ type: 'message.expunge', timestampMs: t, user, mailbox: pick(names), ...(rnd() < 0.5 ? { uids: uids() } : {}) });
    } else if (r < 0.93) {
      const kind = pick(['create', 'create', 'rename', 'delete'] as const);
      if (kind === 'create') cmds.push({ type: 'mailbox.create', timestampMs: t, user, mailbox: pick(names) });
      if (kind === 'rename') cmds.push({ type: 'mailbox.rename', timestampMs: t, user, mailbox: pick(names), newName: pick(names) });
      if (kind === 'delete') cmds.push({ type: 'mailbox.delete', timestampMs: t, user, mailbox: pick(names) });
    } else if (r < 0.97) {
      cmds.push({ type: 'mailbox.subscribe', timestampMs: t, user, mailbox: pick(names), subscribed: rnd() < 0.5 });
    } else {
      cmds.push({ type: 'user.remove', timestampMs: t, address: 'u2@example.test' });
      cmds.push({ type: 'user.add', timestampMs: t, address: 'u2@example.test', passwordHash: fixedPasswordHash });
    }
  }
  return cmds;
}

export { checkStoreFiles as checkConsistency } from './check-store-files.js';
