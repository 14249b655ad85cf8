import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LineProcess } from './line-process.js';
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
export class VipHolderProcess extends LineProcess {
  private constructor(child: ChildProcess) {
    super(child, 'the VIP holder');
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

  /** The guard's pid, from the "ready <pid>" line. */
  get guardPid(): number {
    const ready = this.lines.find((line) => line.startsWith('ready '));
    return ready ? Number(ready.split(' ')[1]) : -1;
  }

  send(command: 'start' | 'release'): void {
    this.write(command);
  }

  /** Parsed "exit {...}" line, once the guard has exited. */
  async guardExit(timeoutMs: number): Promise<{ exitCode: number | null; signal: string | null; releasedReason: string | undefined; fallbackRemoval: string }> {
    return JSON.parse((await this.waitForLine('exit ', timeoutMs)).slice(5)) as never;
  }
}
