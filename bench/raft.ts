// Bench (issue 3, acceptance 5): three Raft members as processes on loopback vs. a raw group-commit
// file appender, same entries, same pipelining window, same run. Run: node --import tsx bench/raft.ts
// Options: --quick (smaller counts, one round), --rounds=N (default 3), --only=1k|64k, --cpu-detail (CPU per member),
// --witness (DESIGN §2's topology: data a, b and witness w, with the hot standby of DESIGN §3 on),
// --raw-x3 (also three raw appenders at once, one process each, no replication: see rawTriple()),
// --link-protection=encrypt|authenticate (cluster.linkProtection; default encrypt, as in production).
const withWitness = process.argv.includes('--witness');
const linkProtection = (process.argv.find((a) => a.startsWith('--link-protection='))?.slice(18) ?? 'encrypt') as 'encrypt' | 'authenticate';
if (linkProtection !== 'encrypt' && linkProtection !== 'authenticate') throw new RangeError(`--link-protection must be encrypt or authenticate, got ${linkProtection}`);
const withRawTriple = process.argv.includes('--raw-x3');
// Env BENCH_PROF=<dir>: the members write CPU profiles there.
import { fork, type ChildProcess } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MemberCluster } from '../packages/replication/src/test-support/member-cluster.js';
import { rawBaseline, type Figures } from './lib/raw-appender.js';

interface Workload {
  name: string;
  sizeBytes: number;
  count: number;
  window: number;
}

async function cpuNow(cluster: MemberCluster): Promise<number> {
  const all = await cpuEach(cluster);
  return all.reduce((sum, u) => sum + u.user + u.system, 0);
}

/** CPU of each live member (all threads, user and system), in member order. */
function cpuEach(cluster: MemberCluster): Promise<NodeJS.CpuUsage[]> {
  return Promise.all(cluster.alive().map((m) => m.request({ op: 'cpu' }) as Promise<NodeJS.CpuUsage>));
}

const quick = process.argv.includes('--quick');
const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? (quick ? 1 : 3));
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
const workloads: Workload[] = [
  { name: '1k', sizeBytes: 1024, count: quick ? 5_000 : 30_000, window: 256 },
  { name: '64k', sizeBytes: 64 * 1024, count: quick ? 500 : 3_000, window: 64 },
].filter((w) => only === undefined || w.name === only);

/**
 * Not a baseline, a reference: three raw appenders (raw-appender-child.ts), one process each as the
 * members are, started together on the same entries; an entry counts once two of them hold it (a
 * quorum), so the time is the second one's. The members' three logs must absorb at least these writes
 * on the same disk and cores; where the disk path is the bottleneck (64 KiB entries) raft x3 stays
 * under this line. Nothing couples the three, unlike a leader and its followers.
 */
async function rawTriple(children: ChildProcess[], w: Workload): Promise<Figures> {
  const all = await Promise.all(children.map((child) => new Promise<Figures>((resolve) => {
    child.once('message', (m: { figures: Figures }) => resolve(m.figures));
    child.send({ go: { sizeBytes: w.sizeBytes, count: w.count, window: w.window } });
  })));
  const [, second] = [...all].sort((a, b) => a.elapsedMs - b.elapsedMs);
  return { ...second!, fsyncs: all.reduce((n, f) => n + (f.fsyncs ?? 0), 0), cpuUsPerEntry: all.reduce((n, f) => n + (f.cpuUsPerEntry ?? 0), 0) };
}

async function startRawAppenders(): Promise<ChildProcess[]> {
  const script = fileURLToPath(new URL('./lib/raw-appender-child.ts', import.meta.url));
  return Promise.all([0, 1, 2].map(() => new Promise<ChildProcess>((resolve) => {
    const child = fork(script, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', () => resolve(child));
  })));
}

async function raft(cluster: MemberCluster, w: Workload): Promise<Figures> {
  const leader = await cluster.waitForLeader(15_000, (m) => m.id !== 'w'); // a witness never serves
  const cpu0 = await cpuEach(cluster);
  const f = (await leader.request({ op: 'bench', bench: { sizeBytes: w.sizeBytes, count: w.count, window: w.window } })) as Figures;
  const cpu1 = await cpuEach(cluster);
  const perEntry = cpu1.map((u, k) => ({ user: (u.user - cpu0[k]!.user) / w.count, system: (u.system - cpu0[k]!.system) / w.count }));
  if (process.argv.includes('--cpu-detail')) {
    console.log(`  CPU µs/entry by member (user+system): ${cluster.alive().map((m, k) => `${m.id}${m === leader ? '*' : ''} ${perEntry[k]!.user.toFixed(0)}+${perEntry[k]!.system.toFixed(0)}`).join(', ')}`);
  }
  return { ...f, cpuUsPerEntry: perEntry.reduce((sum, u) => sum + u.user + u.system, 0) };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

function line(label: string, w: Workload, f: Figures): { perSec: number; mbPerSec: number; p50: number; p99: number } {
  const perSec = (f.entries / f.elapsedMs) * 1000;
  const mbPerSec = (perSec * w.sizeBytes) / (1024 * 1024);
  const p50 = pct(f.latenciesMs, 50);
  const p99 = pct(f.latenciesMs, 99);
  console.log(`${label.padEnd(22)} ${w.name.padStart(4)}  ${perSec.toFixed(0).padStart(8)} entries/s  ${mbPerSec.toFixed(1).padStart(7)} MB/s  `
    + `p50 ${p50.toFixed(2).padStart(7)} ms  p99 ${p99.toFixed(2).padStart(7)} ms  (${f.entries} entries${f.failures ? `, ${f.failures} failed` : ''}`
    + `${f.fsyncs !== undefined ? `, ${f.fsyncs} fsyncs` : ''}, ${f.cpuUsPerEntry?.toFixed(0)} µs CPU/entry)`);
  return { perSec, mbPerSec, p50, p99 };
}

async function main(): Promise<void> {
  console.log(`raft bench: 3 members ${withWitness ? '(a, b + witness w, hot standby) ' : ''}(separate processes, loopback, worker-thread engines, fsync on every member, links: ${linkProtection}) vs raw group-commit appender`);
  console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (figures are only comparable within one run)`);
  const cluster = await MemberCluster.start(withWitness ? ['a', 'b', 'w'] : ['a', 'b', 'c'], {
    linkProtection,
    ...(withWitness ? { witnesses: ['w'] } : {}),
    ...(process.env.BENCH_PROF ? { execArgv: ['--cpu-prof', '--cpu-prof-dir=' + process.env.BENCH_PROF] } : {}),
  });
  const rawAppenders = withRawTriple ? await startRawAppenders() : [];
  try {
    await raft(cluster, { name: 'warmup', sizeBytes: 1024, count: 2000, window: 64 });
    for (const w of workloads) {
      // Alternating rounds, so a burst of load from elsewhere on the machine hits both sides alike.
      const ratios: number[] = [];
      for (let round = 1; round <= rounds; round++) {
        const base = line(`raw file, round ${round}`, w, await rawBaseline(w));
        if (rawAppenders.length > 0) {
          const c = line(`raw x3 processes, ${round}`, w, await rawTriple(rawAppenders, w));
          console.log(`${'ratio raw x3/raw'.padEnd(22)} ${w.name.padStart(4)}  entries/s ${(c.perSec / base.perSec).toFixed(2)}  (three logs, no replication; 2nd to finish)`);
        }
        const r = line(`raft x3, round ${round}`, w, await raft(cluster, w));
        ratios.push(r.perSec / base.perSec);
        console.log(`${'ratio raft/raw'.padEnd(22)} ${w.name.padStart(4)}  entries/s ${(r.perSec / base.perSec).toFixed(2)}  MB/s ${(r.mbPerSec / base.mbPerSec).toFixed(2)}  `
          + `p50 ${(r.p50 / base.p50).toFixed(1)}x  p99 ${(r.p99 / base.p99).toFixed(1)}x`);
      }
      const median = [...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 2)]!;
      console.log(`${'MEDIAN ratio'.padEnd(22)} ${w.name.padStart(4)}  entries/s ${median.toFixed(2)} over ${rounds} rounds (target >= 0.50)\n`);
    }
  } finally {
    for (const child of rawAppenders) child.disconnect();
    await cluster.close();
  }
}

await main();
