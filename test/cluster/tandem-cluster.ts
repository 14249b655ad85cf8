/**
 * A real Tandem cluster for the acceptance tests (issue 5, DESIGN §8 layer 4): hosts A, B (data), W
 * (witness) and C (client) from NetnsHarness, configs written by `tandem cluster init` (the real CLI),
 * real tandemd processes started in their namespaces, the VIP on the first bridge. The test process
 * stays in the root namespace: it reaches each daemon's admin API through its Unix socket (the file
 * system is shared) and runs clients (SMTP load, IMAP checker) as processes in C.
 *
 * Each daemon's stderr goes to <dir>/logs/<id>.log (appended across restarts); on a failure the test
 * prints the tails. TANDEM_KEEP=1 keeps the directory.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { finished } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callAdmin, adminTarget } from '../../apps/cli/src/admin-client.js';
import { NetnsHarness, type HostName } from './netns-harness.js';
import { LeadershipMovedError, NetnsTimeoutError } from './netns-errors.js';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const tandemd = join(repoRoot, 'apps/server/bin/tandemd.mjs');
const tandemCli = join(repoRoot, 'apps/cli/bin/tandem.mjs');
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

export type MemberId = 'a' | 'b' | 'w';
export const memberIds: readonly MemberId[] = ['a', 'b', 'w'];
export const domain = 'example.test';

export interface TandemClusterOptions {
  secondLink?: boolean;
  /** Extra keys of every member's `cluster` section (`tandem cluster init --cluster-json`). */
  clusterJson?: Record<string, unknown>;
  degradedPolicy?: 'accept' | 'refuse';
}

export interface MemberReport {
  id: string; role: string; reachable: boolean; raftRole?: string; term?: number; leader?: string | null;
  commitIndex?: number; appliedIndex?: number; lastIndex?: number; vipHeld?: boolean; serving?: boolean; degraded?: boolean;
  peers?: Record<string, { matchIndex: number; lagEntries: number; health?: string }>;
  snapshotIndex?: number; snapshotTransfers?: unknown[];
}

export interface ClusterStatusJson {
  nodeId: string; leader: string | null; term: number; vipHolders: string[]; degraded: boolean; members: MemberReport[];
}

/** Monotonic ms, the clock of the ARP prober and the load client. */
export function monoNowMs(): number {
  return Number(process.hrtime.bigint() / 1000n) / 1000;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class TandemCluster {
  private readonly daemons = new Map<MemberId, ChildProcess>();

  private constructor(readonly harness: NetnsHarness, readonly dir: string, private readonly releaseLock: () => void) {}

  static async create(options: TandemClusterOptions = {}): Promise<TandemCluster> {
    // One cluster at a time on this machine: the timing assertions (failover, leases) must not
    // compete for two cores with another cluster's six processes (the runner runs two files at once).
    const release = await acquireMachineLock();
    let harness: NetnsHarness;
    try {
      harness = await NetnsHarness.create({ secondLink: options.secondLink ?? false });
    } catch (err) {
      release();
      throw err;
    }
    const dir = mkdtempSync(join(tmpdir(), 'tandem-cluster-'));
    const cluster = new TandemCluster(harness, dir, release);
    try {
      mkdirSync(join(dir, 'logs'));
      // The first address is preferred: with two links, the second bridge is the replication link.
      const addresses = (id: MemberId): string => (options.secondLink ? [harness.ip(id, 1), harness.ip(id, 0)] : [harness.ip(id, 0)]).join(',');
      await run(process.execPath, [tandemCli, 'cluster', 'init', '--domain', domain, '--vip', harness.vipCidr, '--interface', 'eth0',
        '--node', `a=${addresses('a')}`, '--node', `b=${addresses('b')}`, '--witness', `w=${addresses('w')}`,
        '--out', join(dir, 'config'), '--member-data-dir', join(dir, 'data', '{id}'), '--degraded-policy', options.degradedPolicy ?? 'accept',
        ...(options.clusterJson ? ['--cluster-json', JSON.stringify(options.clusterJson)] : [])]);
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  configFile(id: MemberId): string {
    return join(this.dir, 'config', id, id === 'w' ? 'witness.json' : 'tandem.json');
  }

  dataDir(id: MemberId): string {
    return join(this.dir, 'data', id);
  }

  running(id: MemberId): boolean {
    const child = this.daemons.get(id);
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** Starts tandemd in the member's namespace; resolves once it printed its details. */
  async start(id: MemberId): Promise<void> {
    if (this.running(id)) throw new Error(`${id} is already running`);
    const child = this.harness.spawn(id as HostName, process.execPath, [tandemd, '--config', this.configFile(id), '--role', id === 'w' ? 'witness' : 'data'], { cwd: repoRoot });
    this.daemons.set(id, child);
    const log = createWriteStream(join(this.dir, 'logs', `${id}.log`), { flags: 'a' });
    log.write(`---- start ${new Date().toISOString()} pid ${child.pid}\n`);
    child.stderr!.pipe(log);
    let stdout = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new NetnsTimeoutError(`tandemd ${id} did not start`, 30_000)), 30_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
        if (stdout.includes('  admin ')) { clearTimeout(timer); resolve(); }
      });
      // 'exit' can come before the last of stderr is in the log file; the refusal a test reads is
      // there once the pipe has ended the file's stream.
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        const refused = (): void => reject(new Error(`tandemd ${id} exited (${code ?? signal}) before it was ready; see ${join(this.dir, 'logs', `${id}.log`)}`));
        finished(log).then(refused, refused);
        setTimeout(refused, 5_000).unref(); // a child of tandemd still holding its stderr
      });
    });
  }

  async startAll(): Promise<void> {
    await Promise.all(memberIds.map((id) => this.start(id)));
  }

  /** Sends a signal to the daemon itself (not to its VIP guard): kill -9, SIGSTOP, SIGCONT. */
  signal(id: MemberId, signal: NodeJS.Signals): number {
    const child = this.daemons.get(id);
    if (!child?.pid) throw new Error(`${id} is not running`);
    process.kill(child.pid, signal);
    return child.pid;
  }

  /** kill -9, and waits until the process is gone. */
  async kill(id: MemberId): Promise<void> {
    const child = this.daemons.get(id)!;
    const exited = new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
    this.signal(id, 'SIGKILL');
    await exited;
  }

  /** Resolves with the exit status once the daemon has exited by itself (null: killed by a signal). */
  waitForExit(id: MemberId, timeoutMs = 30_000): Promise<number | null> {
    const child = this.daemons.get(id)!;
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new NetnsTimeoutError(`${id} to exit`, timeoutMs)), timeoutMs);
      child.once('exit', (code) => { clearTimeout(timer); resolve(code); });
    });
  }

  /** SIGTERM (a graceful stop), waits for the exit. */
  async stop(id: MemberId): Promise<void> {
    const child = this.daemons.get(id);
    if (!child || !this.running(id)) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  }

  admin<T = unknown>(id: MemberId, operation: string, args: Record<string, unknown> = {}): Promise<T> {
    return callAdmin(adminTarget(this.dataDir(id)), operation, args) as Promise<T>;
  }

  /** Sets cluster.join in the member's config: with an empty data dir it then waits to be added (`tandem cluster add`). */
  setJoin(id: MemberId): void {
    this.editConfig(id, (config) => { (config.cluster as Record<string, unknown>).join = true; });
  }

  /** Gives both data members the same `outbound` section (docs/configuration.md). */
  setOutbound(outbound: Record<string, unknown>): void {
    for (const id of ['a', 'b'] as const) this.editConfig(id, (config) => { config.outbound = outbound; });
  }

  private editConfig(id: MemberId, edit: (config: Record<string, unknown>) => void): void {
    const config = JSON.parse(readFileSync(this.configFile(id), 'utf8')) as Record<string, unknown>;
    edit(config);
    writeFileSync(this.configFile(id), JSON.stringify(config, null, 2));
  }

  /**
   * The break-glass path on `survivor` (its peers gone): once it follows no leader (check-quorum),
   * `tandem cluster force-single --yes-i-understand`, its exit, and its start again.
   */
  async forceSingle(survivor: MemberId): Promise<{ stdout: string; exitCode: number | null }> {
    const deadline = monoNowMs() + 10_000;
    while ((await this.member(survivor)).leader !== null) {
      if (monoNowMs() > deadline) throw new NetnsTimeoutError(`${survivor} to stop following a leader`, 10_000);
      await sleep(100);
    }
    const forced = await this.cli(survivor, ['cluster', 'force-single', '--yes-i-understand']);
    if (forced.code !== 0) throw new Error(`force-single on ${survivor} failed (${forced.code}): ${forced.stderr}`);
    const exitCode = await this.waitForExit(survivor);
    await this.start(survivor);
    return { stdout: forced.stdout, exitCode };
  }

  /** The real CLI, run in the member's namespace. */
  cli(id: MemberId, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return this.harness.exec(id as HostName, process.execPath, [tandemCli, '--data-dir', this.dataDir(id), ...args], { allowFailure: true, timeoutMs: 30_000 })
      .then((r) => ({ code: r.exitCode, stdout: r.stdout, stderr: r.stderr }));
  }

  member(id: MemberId): Promise<MemberReport> {
    return this.admin<MemberReport>(id, 'cluster.member');
  }

  /**
   * Waits until one running data member leads, holds the VIP and serves, and every other running
   * member follows it in the same term. Returns its id.
   */
  async waitForServingLeader(timeoutMs = 15_000, options: { not?: MemberId } = {}): Promise<MemberId> {
    const deadline = monoNowMs() + timeoutMs;
    let last = '';
    while (monoNowMs() < deadline) {
      const reports = await Promise.all(memberIds.filter((id) => this.running(id)).map((id) => this.member(id).catch(() => undefined)));
      const known = reports.filter((r): r is MemberReport => r !== undefined);
      const leader = known.find((r) => r.raftRole === 'leader' && r.serving && r.vipHeld);
      if (leader && leader.id !== options.not && known.every((r) => r.term === leader.term && (r.id === leader.id || r.leader === leader.id))) return leader.id as MemberId;
      last = known.map((r) => `${r.id}:${r.raftRole}/t${r.term}/serving=${r.serving}`).join(' ');
      await sleep(50);
    }
    throw new NetnsTimeoutError(`a serving leader${options.not ? ` other than ${options.not}` : ''} (last seen ${last})`, timeoutMs);
  }

  /**
   * Waits until `id` has applied everything the leader committed (and the leader sees it caught up).
   * Throws LeadershipMovedError at once if `leader` stops being the leader meanwhile.
   */
  async waitForCaughtUp(id: MemberId, leader: MemberId, timeoutMs = 30_000): Promise<void> {
    const deadline = monoNowMs() + timeoutMs;
    let last = '';
    while (monoNowMs() < deadline) {
      const [l, m] = await Promise.all([this.member(leader), this.member(id).catch(() => undefined)]);
      if (l.raftRole !== 'leader') {
        const seen = [l, m].filter((r) => r !== undefined).map((r) => `${r.id}: ${r.raftRole} in term ${r.term}, leader ${r.leader ?? 'unknown'}`).join('; ');
        throw new LeadershipMovedError(leader, seen);
      }
      if (m && l.commitIndex !== undefined && m.appliedIndex === l.commitIndex && (l.peers?.[id]?.lagEntries ?? 1) === 0) return;
      last = `leader commit ${l.commitIndex}, ${id} applied ${m?.appliedIndex}`;
      await sleep(100);
    }
    throw new NetnsTimeoutError(`${id} caught up with ${leader} (${last})`, timeoutMs);
  }

  async addUser(leader: MemberId, address: string, password: string): Promise<void> {
    await this.admin(leader, 'user.add', { address, password });
  }

  /** Starts the SMTP load client in C against the VIP. */
  load(options: { run: string; count: number; connections: number; to: string; start?: number; retryMs?: number }): LoadRun {
    const child = this.harness.spawn('c', process.execPath, [
      '--import', 'tsx', join(fixtures, 'smtp-load.ts'), '--host', this.harness.vip, '--port', '25', '--run', options.run,
      '--count', String(options.count), '--connections', String(options.connections), '--to', options.to,
      '--start', String(options.start ?? 0), '--retry-ms', String(options.retryMs ?? 100),
    ], { cwd: repoRoot });
    return new LoadRun(child);
  }

  /** Runs the IMAP checker in C against the VIP. */
  async imapCheck(user: string, password: string, run: string): Promise<ImapCheckResult> {
    const { stdout } = await this.harness.exec('c', process.execPath, [
      '--import', 'tsx', join(fixtures, 'imap-check.ts'), '--host', this.harness.vip, '--user', user, '--password', password, '--run', run,
    ], { timeoutMs: 120_000 });
    return JSON.parse(stdout) as ImapCheckResult;
  }

  /**
   * Who holds which address, and where the client's ARP cache sends the VIP (for failure messages:
   * a failover that clients do not see is told apart from one that did not happen).
   */
  async networkState(): Promise<string> {
    const show = async (host: HostName, args: string[]): Promise<string> => {
      const r = await this.harness.exec(host, 'ip', args, { allowFailure: true, timeoutMs: 5_000 }).catch((err: Error) => ({ stdout: err.message }));
      return `${host}$ ip ${args.join(' ')}\n${r.stdout.trim()}`;
    };
    const parts = [];
    for (const host of ['a', 'b', 'w'] as HostName[]) parts.push(await show(host, ['-br', 'addr', 'show']), await show(host, ['-br', 'link', 'show']));
    parts.push(await show('c', ['neigh', 'show']));
    return parts.join('\n');
  }

  /** The last lines of each member's log (for failure messages). */
  logTails(lines = 25): string {
    return memberIds.map((id) => {
      let text = '';
      try { text = readFileSync(join(this.dir, 'logs', `${id}.log`), 'utf8'); } catch { /* no log */ }
      return `==== ${id}\n${text.split('\n').slice(-lines).join('\n')}`;
    }).join('\n');
  }

  async close(): Promise<void> {
    for (const child of this.daemons.values()) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    try {
      await this.harness.close();
      if (process.env.TANDEM_KEEP !== '1') rmSync(this.dir, { recursive: true, force: true });
    } finally {
      this.releaseLock();
    }
  }
}

export interface ImapCheckResult {
  uidValidity: number;
  messages: Array<{ uid: number; n: number | null; intact: boolean }>;
}

export interface LoadEvent {
  t: 'ack' | 'reject' | 'retry' | 'gaveUp' | 'done';
  n?: number; atMs?: number; attempts?: number; latencyMs?: number; code?: number; why?: string;
  /** On 'done'. */
  acked?: number; rejected?: number; gaveUp?: number;
}

/** A running smtp-load.ts: its events as they come, and its end. */
export class LoadRun {
  readonly events: LoadEvent[] = [];
  readonly done: Promise<LoadEvent>;
  stderr = '';

  constructor(private readonly child: ChildProcess) {
    child.stderr!.on('data', (c: Buffer) => { this.stderr += c.toString('utf8'); });
    const lines = createInterface({ input: child.stdout! });
    this.done = new Promise((resolve, reject) => {
      lines.on('line', (line) => {
        const event = JSON.parse(line) as LoadEvent;
        this.events.push(event);
        if (event.t === 'done') resolve(event);
      });
      child.once('exit', (code) => reject(new Error(`smtp-load exited (${code}) without finishing: ${this.stderr.slice(-1000)}`)));
    });
    // A test that fails before it awaits the end stops the client: that end is no second failure.
    this.done.catch(() => undefined);
  }

  /** What the client saw from `fromMs` on, for a failure message: each retry reason with its count and first time. */
  describeSince(fromMs: number): string {
    const since = this.events.filter((e) => e.atMs !== undefined && e.atMs >= fromMs);
    const reasons = new Map<string, { count: number; firstMs: number }>();
    for (const e of since.filter((e) => e.t === 'retry')) {
      const seen = reasons.get(e.why ?? '?') ?? { count: 0, firstMs: e.atMs! - fromMs };
      reasons.set(e.why ?? '?', { ...seen, count: seen.count + 1 });
    }
    const acks = since.filter((e) => e.t === 'ack').length;
    const retries = [...reasons].map(([why, r]) => `${r.count} × "${why}" (first at +${Math.round(r.firstMs)} ms)`).join('; ');
    return `${acks} acknowledgements, retries: ${retries || 'none'}`;
  }

  acked(): Set<number> {
    return new Set(this.events.filter((e) => e.t === 'ack').map((e) => e.n!));
  }

  rejected(): Set<number> {
    return new Set(this.events.filter((e) => e.t === 'reject').map((e) => e.n!));
  }

  /** Resolves once `count` acknowledgements arrived. */
  async waitForAcks(count: number, timeoutMs: number): Promise<void> {
    const deadline = monoNowMs() + timeoutMs;
    while (this.acked().size < count) {
      if (monoNowMs() > deadline) throw new NetnsTimeoutError(`${count} acknowledgements (have ${this.acked().size})`, timeoutMs);
      await sleep(20);
    }
  }

  /** Continuous mode: asks the client to finish the messages in progress and stop. */
  stop(): void {
    this.child.stdin!.write('stop\n');
  }
}

const lockDir = join(tmpdir(), 'tandem-cluster-tests.lock');
const lockWaitMs = 15 * 60 * 1000;

/** An exclusive lock across processes (mkdir is atomic); a lock whose holder died is taken over. */
async function acquireMachineLock(): Promise<() => void> {
  const deadline = monoNowMs() + lockWaitMs;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        rmSync(lockDir, { recursive: true, force: true });
      };
      process.once('exit', release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder = 0;
    try { holder = Number(readFileSync(join(lockDir, 'pid'), 'utf8')); } catch { /* being written or removed */ }
    if (holder > 0 && !processAlive(holder)) rmSync(lockDir, { recursive: true, force: true });
    if (monoNowMs() > deadline) throw new NetnsTimeoutError(`the cluster test lock ${lockDir} (held by pid ${holder})`, lockWaitMs);
    await sleep(200);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: repoRoot, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${[command, ...args].join(' ')}: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}
