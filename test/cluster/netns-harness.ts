/**
 * Hosts made of Linux network namespaces on this machine, for the cluster tests (DESIGN §8, layer 4).
 *
 *   namespace tandem-br-<id>: bridge br0 (and br1 with secondLink), one port per host link
 *   namespaces tandem-{a,b,w,c}-<id>: hosts A, B (data), W (witness), C (client); each has eth0 on
 *     br0 (10.X.Y.0/24) and, with secondLink, A/B/W also have eth1 on br1 (a second 10.x.y.0/24)
 *
 * Invariant: nothing is created outside these namespaces (the bridge lives in its own namespace, not
 * the host's), so every address and every packet exists only in namespaces this harness made, and
 * deleting them removes everything. <id> is "<pid>-<random>": namespaces whose pid is dead are left
 * over from a crashed run and are deleted by the next create(); live ones belong to a run in
 * progress (tests run two files at a time) and are never touched. close() deletes everything, and
 * so do process exit and SIGINT/SIGTERM/SIGHUP for harnesses not closed.
 */
import { execFile, execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ArpProber } from './arp-prober.js';
import { NetnsCommandError, NetnsPermissionError, NetnsToolMissingError } from './netns-errors.js';

export type HostName = 'a' | 'b' | 'w' | 'c';
export const hostNames: readonly HostName[] = ['a', 'b', 'w', 'c'];
export type LinkIndex = 0 | 1;

export interface NetnsHarnessOptions {
  /** A second link for A, B and W on a second bridge (a dedicated replication link); C has none. */
  secondLink?: boolean;
}

export interface NetnsLink {
  index: LinkIndex;
  /** Interface inside the host: eth0 or eth1. */
  dev: string;
  ip: string;
  /** ip/24 */
  cidr: string;
  mac: string;
  /** The veth end on the bridge (in the bridge namespace): what linkDown() sets down. */
  bridgePort: string;
}

export interface NetnsHost {
  name: HostName;
  netns: string;
  links: NetnsLink[];
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface ExecOptions {
  timeoutMs?: number;
  /** Resolve with a non-zero exit code instead of rejecting. */
  allowFailure?: boolean;
}

const hostOctets: Record<HostName, number> = { a: 11, b: 12, w: 13, c: 50 };
const vipOctet = 100;
const namePattern = /^tandem-(br|a|b|w|c)-(\d+)-([0-9a-f]+)$/;
const commandTimeoutMsDefault = 15_000;
const proberScript = fileURLToPath(new URL('./arp-prober.py', import.meta.url));

/** Harnesses not yet closed in this process: deleted on exit and on fatal signals. */
const live = new Set<NetnsHarness>();

export class NetnsHarness {
  private readonly children = new Set<ChildProcess>();
  private readonly probers = new Set<ArpProber>();
  private closed = false;

  private constructor(
    /** "<pid>-<random>", part of every namespace name. */
    readonly id: string,
    readonly bridgeNetns: string,
    private readonly hosts: Record<HostName, NetnsHost>,
    /** The /24 of each link, e.g. ["10.37.201.0/24", "10.37.202.0/24"]. */
    readonly subnets: string[],
  ) {}

  /**
   * Builds the namespaces, bridges and links; deletes stale namespaces of crashed runs first. Throws
   * NetnsPermissionError when not root and NetnsToolMissingError when `ip` is missing.
   */
  static async create(options: NetnsHarnessOptions = {}): Promise<NetnsHarness> {
    const uid = process.getuid?.();
    if (uid !== 0) throw new NetnsPermissionError(uid);
    await requireTool('ip', ['-V'], 'iproute2');
    deleteStaleNamespaces();
    const id = `${process.pid}-${randomBytes(2).toString('hex')}`;
    const subnets = pickSubnets(options.secondLink ? 2 : 1);
    const hosts = {} as Record<HostName, NetnsHost>;
    for (const name of hostNames) hosts[name] = { name, netns: `tandem-${name}-${id}`, links: [] };
    const harness = new NetnsHarness(id, `tandem-br-${id}`, hosts, subnets.map((s) => `${s}.0/24`));
    live.add(harness);
    installExitCleanup();
    try {
      await harness.build(subnets);
    } catch (err) {
      await harness.close();
      throw err;
    }
    return harness;
  }

  private async build(subnets: string[]): Promise<void> {
    const namespaces = [this.bridgeNetns, ...hostNames.map((name) => this.hosts[name].netns)];
    for (const netns of namespaces) {
      await ip(['netns', 'add', netns]);
      // No IPv6: its router solicitations and DAD would only add noise to the captures.
      await ip(['netns', 'exec', netns, 'sh', '-c', 'for f in all default; do echo 1 > /proc/sys/net/ipv6/conf/$f/disable_ipv6; done 2>/dev/null; true']);
      await ip(['-n', netns, 'link', 'set', 'lo', 'up']);
    }
    for (const [index] of subnets.entries()) {
      await ip(['-n', this.bridgeNetns, 'link', 'add', `br${index}`, 'type', 'bridge']);
      await ip(['-n', this.bridgeNetns, 'link', 'set', `br${index}`, 'up']);
    }
    for (const name of hostNames) {
      const host = this.hosts[name];
      const linkCount = name === 'c' ? 1 : subnets.length;
      for (let index = 0; index < linkCount; index++) {
        const dev = `eth${index}`;
        const bridgePort = `${name}${index}`;
        const address = `${subnets[index]}.${hostOctets[name]}`;
        await ip(['-n', this.bridgeNetns, 'link', 'add', bridgePort, 'type', 'veth', 'peer', 'name', dev, 'netns', host.netns]);
        await ip(['-n', this.bridgeNetns, 'link', 'set', bridgePort, 'master', `br${index}`, 'up']);
        await ip(['-n', host.netns, 'addr', 'add', `${address}/24`, 'dev', dev]);
        await ip(['-n', host.netns, 'link', 'set', dev, 'up']);
        const [link] = JSON.parse((await ip(['-n', host.netns, '-j', 'link', 'show', dev])).stdout) as Array<{ address: string }>;
        host.links.push({ index: index as LinkIndex, dev, ip: address, cidr: `${address}/24`, mac: link?.address ?? '', bridgePort });
      }
    }
  }

  /** The VIP on the first bridge's subnet (not configured anywhere until a test adds it). */
  get vip(): string {
    return `${this.subnets[0]!.replace(/\.0\/24$/, '')}.${vipOctet}`;
  }

  /** The VIP with its prefix, as `--vip` wants it. */
  get vipCidr(): string {
    return `${this.vip}/24`;
  }

  host(name: HostName): NetnsHost {
    return this.hosts[name];
  }

  link(name: HostName, index: LinkIndex = 0): NetnsLink {
    const link = this.hosts[name].links[index];
    if (!link) throw new Error(`host ${name} has no link ${index} (secondLink not enabled, or the client)`);
    return link;
  }

  ip(name: HostName, index: LinkIndex = 0): string {
    return this.link(name, index).ip;
  }

  mac(name: HostName, index: LinkIndex = 0): string {
    return this.link(name, index).mac;
  }

  /** Runs a program inside a host (`ip netns exec`); rejects with NetnsCommandError on failure. */
  exec(host: HostName, command: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    return run('ip', ['netns', 'exec', this.hosts[host].netns, command, ...args], options);
  }

  /**
   * Starts a program inside a host. `ip netns exec` execs the program in place, so the child's pid
   * is the program's own: kill -9 and SIGSTOP reach it directly. Killed by close() if still running.
   */
  spawn(host: HostName, command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
    this.assertOpen();
    const child = spawn('ip', ['netns', 'exec', this.hosts[host].netns, command, ...args], { stdio: ['pipe', 'pipe', 'pipe'], ...options });
    this.children.add(child);
    child.once('close', () => this.children.delete(child));
    return child;
  }

  /** Pulls the cable: the bridge side of the link goes down, the host sees NO-CARRIER. */
  async linkDown(host: HostName, index: LinkIndex = 0): Promise<void> {
    await ip(['-n', this.bridgeNetns, 'link', 'set', this.link(host, index).bridgePort, 'down']);
  }

  async linkUp(host: HostName, index: LinkIndex = 0): Promise<void> {
    await ip(['-n', this.bridgeNetns, 'link', 'set', this.link(host, index).bridgePort, 'up']);
  }

  /** Every link of the host down: it keeps running but is cut off from everyone. */
  async allLinksDown(host: HostName): Promise<void> {
    for (const link of this.hosts[host].links) await this.linkDown(host, link.index);
  }

  async allLinksUp(host: HostName): Promise<void> {
    for (const link of this.hosts[host].links) await this.linkUp(host, link.index);
  }

  /** IPv4 addresses configured on a host's link (e.g. to see whether it holds the VIP). */
  async addresses(host: HostName, index: LinkIndex = 0): Promise<string[]> {
    const { stdout } = await ip(['-n', this.hosts[host].netns, '-j', '-4', 'addr', 'show', 'dev', this.link(host, index).dev]);
    const links = JSON.parse(stdout) as Array<{ addr_info?: Array<{ local?: string }> }>;
    return links.flatMap((link) => (link.addr_info ?? []).map((info) => info.local ?? ''));
  }

  /**
   * Starts an ARP prober in the client namespace asking who has `target` (default: the VIP) every
   * intervalMs (default 50: 20 Hz). Stopped by close() if not stopped before.
   */
  async startArpProber(options: { target?: string; intervalMs?: number; durationMsMax?: number } = {}): Promise<ArpProber> {
    await requireTool('python3', ['-c', 'import socket; socket.AF_PACKET'], 'python3');
    const target = options.target ?? this.vip;
    const intervalMs = options.intervalMs ?? 50;
    const child = this.spawn('c', 'python3', [proberScript, this.link('c').dev, this.ip('c'), target, String(intervalMs), String(options.durationMsMax ?? 600_000)]);
    const prober = await ArpProber.attach(child, target, intervalMs, 10_000);
    this.probers.add(prober);
    return prober;
  }

  /** Stops probers, kills every process in the namespaces, deletes the namespaces. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const prober of this.probers) await prober.stop().catch(() => {});
    this.closeSync();
  }

  /** The synchronous part of close(), also used on process exit where nothing async can run. */
  closeSync(): void {
    this.closed = true;
    live.delete(this);
    for (const child of this.children) child.kill('SIGKILL');
    for (const netns of [...hostNames.map((name) => this.hosts[name].netns), this.bridgeNetns]) deleteNamespaceSync(netns);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`netns harness ${this.id} is closed`);
  }
}

function ip(args: readonly string[]): Promise<ExecResult> {
  return run('ip', args, {});
}

function run(command: string, args: readonly string[], options: ExecOptions): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: options.timeoutMs ?? commandTimeoutMsDefault, killSignal: 'SIGKILL', encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const failure = err as (NodeJS.ErrnoException & { code?: number | string; signal?: NodeJS.Signals | null }) | null;
      const exitCode = failure ? (typeof failure.code === 'number' ? failure.code : -1) : 0;
      if (failure?.code === 'ENOENT') {
        reject(new NetnsCommandError([command, ...args], null, null, '', `${command}: not found`));
      } else if (exitCode !== 0 && !options.allowFailure) {
        reject(new NetnsCommandError([command, ...args], exitCode === -1 ? null : exitCode, failure?.signal ?? null, stdout, stderr));
      } else {
        resolve({ stdout, stderr, exitCode });
      }
    });
  });
}

async function requireTool(tool: string, args: string[], debianPackage: string): Promise<void> {
  try {
    await run(tool, args, { timeoutMs: 5_000 });
  } catch {
    throw new NetnsToolMissingError(tool, debianPackage);
  }
}

/** Random 10.X.Y.0/24 subnets (as "10.X.Y"), distinct, so leftovers of other runs cannot clash. */
function pickSubnets(count: number): string[] {
  const x = randomInt(1, 255);
  const y = randomInt(0, 256 - count);
  return Array.from({ length: count }, (_, i) => `10.${x}.${y + i}`);
}

function listNamespaces(): string[] {
  const output = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return output.split('\n').map((line) => line.split(' ')[0] ?? '').filter((name) => name !== '');
}

function deleteStaleNamespaces(): void {
  for (const name of listNamespaces()) {
    const match = namePattern.exec(name);
    if (match && !processAlive(Number(match[2]))) deleteNamespaceSync(name);
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

/** Kills every process in the namespace (a namespace outlives its name while processes remain), then deletes it. */
function deleteNamespaceSync(netns: string): void {
  let pids: number[] = [];
  try {
    pids = execFileSync('ip', ['netns', 'pids', netns], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n')
      .filter((line) => /^\d+$/.test(line))
      .map(Number);
  } catch {
    return; // no such namespace: already gone
  }
  for (const pid of pids) {
    if (pid === process.pid) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  try {
    execFileSync('ip', ['netns', 'del', netns], { stdio: 'ignore' });
  } catch {
    // deleted concurrently
  }
}

let exitCleanupInstalled = false;

/** On exit or a fatal signal, delete what unclosed harnesses made (a crashed test must not leak). */
function installExitCleanup(): void {
  if (exitCleanupInstalled) return;
  exitCleanupInstalled = true;
  const cleanup = (): void => {
    for (const harness of [...live]) harness.closeSync();
  };
  process.on('exit', cleanup);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      cleanup();
      process.exit(128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const)[signal]);
    });
  }
}
