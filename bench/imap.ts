/**
 * IMAP against Dovecot (issue 4, acceptance 5): the same seeded 10,000-message mailbox served by
 * Tandem's ImapServer (loaded through the command log) and by Debian's Dovecot (a throwaway
 * instance on a plain Maildir with the same bytes), the same imapflow workloads against both in
 * the same run. Prints the median of each workload per server and the ratio Tandem/Dovecot
 * (first target: ≤ 2.0 on every line).
 *
 *   node --import tsx bench/imap.ts [--messages 10000] [--rounds 5] [--seed 1] [--only TEXT] [--cpu-prof] [--lift-rate-limit]
 *   npm run bench -- imap
 *
 * Noise: every workload runs once on each server as a warm-up (Dovecot builds its index and
 * cache, Tandem its message cache), then `rounds` times, alternating which server goes first.
 * The times include imapflow's parsing on the bench side, the same for both servers.
 * --cpu-prof runs the Tandem server child under `node --cpu-prof` and prints where its CPU went.
 * --only (diagnostic) runs just the workloads whose name contains TEXT (case-insensitive), e.g.
 * `--only body` to profile one line; a full run is the only one that answers acceptance 5.
 * --lift-rate-limit (diagnostic) turns off Tandem's per-session command rate limit
 * (limits.imapCommandsPerSecondMax), which Dovecot does not have, to see the engine's own speed.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ImapFlow } from 'imapflow';
import { generateMailbox } from '../test/support/mailbox-generator.js';
import { DovecotMissingError, ensureDovecotInstalled, startDovecot } from '../test/support/dovecot-process.js';
import { loadTandem, startTandem } from './lib/imap-tandem.js';
import { openClient, parallelSessions, workloads } from './lib/imap-workloads.js';
import type { ImapTarget, WorkloadContext } from './lib/imap-workloads.js';
import { summarizeCpuProfiles } from './lib/imap-cpu-profile.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '5' },
    seed: { type: 'string', default: '1' },
    'cpu-prof': { type: 'boolean', default: false },
    'lift-rate-limit': { type: 'boolean', default: false },
    only: { type: 'string' },
  },
});
const messageCount = Number(values.messages);
const rounds = Number(values.rounds);
const seed = Number(values.seed);
const user = 'bench@example.test';
const password = 'bench-password';
const targetRatio = 2.0;
const only = values.only?.toLowerCase();
const selectedWorkloads = only === undefined ? workloads : workloads.filter((w) => w.name.toLowerCase().includes(only));

try {
  ensureDovecotInstalled();
} catch (err) {
  if (!(err instanceof DovecotMissingError)) throw err;
  console.error('Dovecot is not installed. Run: apt-get install -y dovecot-imapd');
  process.exit(2);
}

const dir = await mkdtemp(join(tmpdir(), 'tandem-bench-imap-'));
const cleanups: Array<() => Promise<void>> = [];
try {
  await main();
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => console.error('cleanup:', err));
  await rm(dir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  console.log(`IMAP bench: ${messageCount} messages, seed ${seed}, ${rounds} rounds; ${loadAverage()}`);
  let t0 = performance.now();
  const messages = generateMailbox({ seed, count: messageCount });
  const totalBytes = messages.reduce((sum, m) => sum + m.bytes.length, 0);
  console.log(`generated ${(totalBytes / 1e6).toFixed(1)} MB in ${ms(t0)}`);

  t0 = performance.now();
  await loadTandem(join(dir, 'tandem'), user, password, messages);
  console.log(`Tandem: loaded through the command log in ${ms(t0)}`);
  const cpuProfDir = values['cpu-prof'] ? join(dir, 'cpu-prof') : undefined;
  if (cpuProfDir) await mkdir(cpuProfDir);
  const liftRateLimit = values['lift-rate-limit'];
  if (liftRateLimit) console.log('Tandem: per-session command rate limit LIFTED (diagnostic run, not the shipped configuration)');
  const tandem = await startTandem(join(dir, 'tandem'), { ...(cpuProfDir ? { cpuProfDir } : {}), liftRateLimit });
  cleanups.push(() => tandem.stop());

  t0 = performance.now();
  const dovecot = await startDovecot({ user, password, messages });
  cleanups.push(() => dovecot.stop());
  console.log(`Dovecot: Maildir written and server started in ${ms(t0)}`);

  const contexts = [] as WorkloadContext[];
  for (const target of [{ name: 'Tandem', port: tandem.port, user, password }, { name: 'Dovecot', port: dovecot.port, user, password }] satisfies ImapTarget[]) {
    t0 = performance.now();
    const client = await openClient(target);
    console.log(`${target.name}: first SELECT in ${ms(t0)}`);
    const sessions = await Promise.all(Array.from({ length: parallelSessions }, () => openClient(target)));
    cleanups.push(() => logoutAll([client, ...sessions]));
    contexts.push({ target, client, sessions, messages, round: 0, mixLatenciesMs: new Map() });
  }

  if (selectedWorkloads.length === 0) throw new Error(`--only ${values.only}: no workload name contains it`);
  const timesMs = new Map<string, number[][]>(selectedWorkloads.map((w) => [w.name, contexts.map(() => [])]));
  for (let round = 0; round <= rounds; round++) {
    for (const workload of selectedWorkloads) {
      // Round 0 is the warm-up; after it the first server alternates.
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const i of order) {
        const ctx = { ...contexts[i]!, round };
        await workload.prepare?.(ctx);
        const start = performance.now();
        await workload.run(ctx);
        if (round > 0) timesMs.get(workload.name)![i]!.push(performance.now() - start);
        await workload.verify?.(ctx);
      }
    }
    if (round === 0) for (const ctx of contexts) ctx.mixLatenciesMs.clear();
    process.stdout.write(round === 0 ? 'warm-up done; rounds:' : ` ${round}`);
  }
  process.stdout.write(`\n${loadAverage()}\n\n`);
  printTable(timesMs);
  printMixBreakdown(contexts[0]!.mixLatenciesMs, contexts[1]!.mixLatenciesMs);

  if (cpuProfDir) {
    await tandem.stop();
    const summary = await summarizeCpuProfiles(cpuProfDir, repoRoot);
    if (summary) printProfile(summary);
  }
}

function printTable(timesMs: Map<string, number[][]>): void {
  const rows = [...timesMs].map(([name, [tandem, dovecot]]) => {
    const t = median(tandem!);
    const d = median(dovecot!);
    const ratio = t / d;
    return [name, t.toFixed(1), d.toFixed(1), ratio.toFixed(2), ratio <= targetRatio ? 'ok' : `over ${targetRatio}`];
  });
  printColumns(['workload', 'Tandem ms', 'Dovecot ms', 'ratio', `target ≤ ${targetRatio}`], rows);
  console.log(`(median of ${rounds} rounds; ratio = Tandem / Dovecot)`);
}

/** Where the parallel mix spends its time: each operation's median and p90 latency per server. */
function printMixBreakdown(tandem: Map<string, number[]>, dovecot: Map<string, number[]>): void {
  const rows = [...tandem].map(([name, t]) => {
    const d = dovecot.get(name) ?? [];
    return [name, String(t.length), median(t).toFixed(2), percentile(t, 0.9).toFixed(2), median(d).toFixed(2), percentile(d, 0.9).toFixed(2),
      (median(t) / median(d)).toFixed(2)];
  });
  console.log('\nparallel mix, latency per operation:');
  printColumns(['operation', 'count', 'Tandem p50', 'p90', 'Dovecot p50', 'p90', 'ratio p50'], rows);
}

function printColumns(header: string[], rows: string[][]): void {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]): string => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}

function printProfile(summary: NonNullable<Awaited<ReturnType<typeof summarizeCpuProfiles>>>): void {
  console.log(`\nTandem server CPU profile: ${summary.totalMs.toFixed(0)} ms sampled, ${summary.idleMs.toFixed(0)} ms idle`);
  console.log('self time by file:');
  for (const f of summary.files.slice(0, 12)) console.log(`  ${f.selfMs.toFixed(0).padStart(7)} ms  ${f.name}`);
  console.log('self time by function:');
  for (const f of summary.functions) console.log(`  ${f.selfMs.toFixed(0).padStart(7)} ms  ${f.name}`);
}

async function logoutAll(clients: ImapFlow[]): Promise<void> {
  await Promise.all(clients.map((c) => c.logout().catch(() => c.close())));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

/** The machine is shared: the load next to the figures says how much to trust them. */
function loadAverage(): string {
  return `load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`;
}

function ms(startMs: number): string {
  return `${((performance.now() - startMs) / 1000).toFixed(1)} s`;
}
