import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { NetnsTimeoutError } from './netns-errors.js';
import type { HostName, NetnsHarness } from './netns-harness.js';

const holderScript = fileURLToPath(new URL('./fixtures/vip-holder.ts', import.meta.url));

export interface VipHolderOptions {
  vip: string;
  dev: string;
  leaseMs: number;
  renewMs: number;
  hook?: string;
  garpIntervalMs?: number;
}

/**
 * The test's handle on a fixtures/vip-holder.ts process (a stand-in daemon holding the VIP through
 * VipGuardClient): spawn it in a namespace host or locally, drive it over stdin, wait for its lines.
 */
export class VipHolderProcess {
  readonly lines: string[] = [];
  readonly stderr: string[] = [];
  private readonly waiters = new Set<() => void>();
  private closed = false;

  private constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      this.lines.push(line);
      this.wake();
    });
    createInterface({ input: child.stderr! }).on('line', (line) => this.stderr.push(line));
    child.once('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static args(options: VipHolderOptions): string[] {
    const args = ['--import', 'tsx', holderScript, '--vip', options.vip, '--dev', options.dev, '--lease-ms', String(options.leaseMs), '--renew-ms', String(options.renewMs)];
    if (options.hook !== undefined) args.push('--hook', options.hook);
    if (options.garpIntervalMs !== undefined) args.push('--garp-interval-ms', String(options.garpIntervalMs));
    return args;
  }

  /** Starts a holder inside a namespace host (its pid is the holder's own: ip netns exec execs). */
  static spawnIn(harness: NetnsHarness, host: HostName, options: VipHolderOptions): VipHolderProcess {
    return new VipHolderProcess(harness.spawn(host, process.execPath, VipHolderProcess.args(options)));
  }

  /** Starts a holder in this machine's namespace (hook mode tests, no root needed). */
  static spawnLocal(options: VipHolderOptions): VipHolderProcess {
    return new VipHolderProcess(spawn(process.execPath, VipHolderProcess.args(options), { stdio: ['pipe', 'pipe', 'pipe'] }));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** The guard's pid, from the "ready <pid>" line. */
  get guardPid(): number {
    const ready = this.lines.find((line) => line.startsWith('ready '));
    return ready ? Number(ready.split(' ')[1]) : -1;
  }

  send(command: 'start' | 'release'): void {
    this.child.stdin!.write(`${command}\n`);
  }

  /** Resolves with the first line starting with `prefix` (earlier lines count too). */
  waitForLine(prefix: string, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.lines.find((line) => line.startsWith(prefix));
        if (found !== undefined) {
          finish();
          resolve(found);
        } else if (this.closed) {
          finish();
          reject(new Error(`the VIP holder exited before "${prefix}"; stdout ${JSON.stringify(this.lines)}; stderr ${JSON.stringify(this.stderr.slice(-5))}`));
        }
      };
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      const timer = setTimeout(() => {
        finish();
        reject(new NetnsTimeoutError(`the VIP holder saying "${prefix}" (stdout ${JSON.stringify(this.lines)}; stderr ${JSON.stringify(this.stderr.slice(-5))})`, timeoutMs));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** Parsed "exit {...}" line, once the guard has exited. */
  async guardExit(timeoutMs: number): Promise<{ exitCode: number | null; signal: string | null; releasedReason: string | undefined; fallbackRemoval: string }> {
    return JSON.parse((await this.waitForLine('exit ', timeoutMs)).slice(5)) as never;
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Ends the holder (closing stdin makes it release and exit); SIGKILL after a bound. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.child.kill('SIGCONT'); // a frozen holder could not read its stdin
    this.child.stdin!.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await new Promise<void>((resolve) => (this.closed ? resolve() : this.child.once('close', () => resolve())));
    clearTimeout(timer);
  }
}
