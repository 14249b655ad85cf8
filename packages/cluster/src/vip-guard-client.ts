import { spawn as spawnChild, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { HookVipActions } from './hook-vip-actions.js';
import { IpVipActions } from './ip-vip-actions.js';
import { LineSplitter } from './line-splitter.js';
import type { VipActions } from './vip-actions.js';
import { parseInterfaceName, parseVipAddress, type VipAddress } from './vip-address.js';
import { VipGuardExitedError, VipGuardStateError, VipGuardTimeoutError } from './vip-errors.js';
import { formatVipGuardArgs } from './vip-guard-args.js';
import { vipGuardLimits } from './vip-guard-limits.js';
import { formatGuardCommand, parseGuardEvent, type VipGuardCommand, type VipReleaseReason } from './vip-guard-protocol.js';

export type VipGuardSpawner = (command: string, args: readonly string[]) => ChildProcessWithoutNullStreams;

export interface VipGuardClientOptions {
  /** "10.0.0.5/24" */
  vip: string;
  dev: string;
  leaseMs: number;
  hook?: string | undefined;
  hookTimeoutMs?: number;
  garpIntervalMs?: number;
  startTimeoutMs?: number;
  stopTimeoutMs?: number;
  /** Program and leading arguments that run vip-guard-main.ts; default: this node with the tsx loader. */
  command?: { file: string; args: readonly string[] };
  /** How to start a process; default child_process.spawn. */
  spawn?: VipGuardSpawner;
  /**
   * What the client uses to remove the VIP itself when the guard died without doing so (killed -9,
   * crashed). Default: the same ip/hook actions as the guard, run in this process, which must then be
   * in the guard's network namespace. null turns the fallback off.
   */
  fallbackActions?: VipActions | null;
}

/** How the guard ended. */
export interface VipGuardExit {
  exitCode: number | null;
  signal: string | null;
  /** What the guard reported before exiting; undefined when it died without saying "released". */
  releasedReason: VipReleaseReason | undefined;
  /** Whether the client had to remove the VIP itself, and whether that worked. */
  fallbackRemoval: 'not-needed' | 'done' | 'failed' | 'disabled';
}

export interface VipGuardClientEvents {
  held: [];
  released: [reason: VipReleaseReason];
  failed: [stage: 'add' | 'remove', message: string];
  /** A stderr line of the guard, for the daemon's log. */
  log: [line: string];
  exit: [exit: VipGuardExit];
}

export type VipGuardClientState = 'idle' | 'preparing' | 'standby' | 'acquiring' | 'held' | 'releasing' | 'exited';

/**
 * The daemon's handle on one VIP guard process. Single use, like the guard: one client adds the VIP
 * at most once; after it has exited, make a new client. Typical use by the service controller's driver:
 *   const guard = new VipGuardClient({ vip, dev, leaseMs });
 *   await guard.prepare();      // ahead of need: the process is up, the VIP not added
 *   await guard.start();        // on vip.add: adds the VIP, resolves when held and announced
 *   guard.renew(deadlineMs);    // on every lease confirmation
 *   await guard.release();      // on vip.drop: resolves when the VIP is gone and the guard exited
 * The 'exit' event fires however the guard ends (including lease expiry and crashes).
 */
export class VipGuardClient extends EventEmitter<VipGuardClientEvents> {
  private currentState: VipGuardClientState = 'idle';
  private child: ChildProcessWithoutNullStreams | undefined;
  private releasedReason: VipReleaseReason | undefined;
  private readonly stderrTail: string[] = [];
  private readonly exited: Promise<VipGuardExit>;
  private resolveExited!: (exit: VipGuardExit) => void;
  private exitResult: VipGuardExit | undefined;
  private readonly vip: VipAddress;
  private readonly dev: string;
  private preparing: Promise<void> | undefined;
  /** What waitFor() listens to, apart from the public events so that callers cannot confuse it. */
  private readonly internal = new EventEmitter<{ ready: []; held: []; exit: [] }>();

  constructor(private readonly options: VipGuardClientOptions) {
    super();
    this.vip = parseVipAddress(options.vip);
    this.dev = parseInterfaceName(options.dev);
    this.exited = new Promise((resolve) => (this.resolveExited = resolve));
  }

  get state(): VipGuardClientState {
    return this.currentState;
  }

  get held(): boolean {
    return this.currentState === 'held';
  }

  /** The guard's process id while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the guard in standby (no VIP yet), so that start() later costs no process start-up. */
  prepare(): Promise<void> {
    if (this.preparing) return this.preparing;
    if (this.currentState !== 'idle') return Promise.reject(new VipGuardStateError('prepare', this.currentState));
    this.preparing = this.launch();
    return this.preparing;
  }

  /** Adds the VIP (preparing the guard first if needed); resolves once it is held and announced. */
  async start(): Promise<void> {
    if (this.currentState === 'idle' || this.currentState === 'preparing') await this.prepare();
    if (this.currentState !== 'standby') throw new VipGuardStateError('start', this.currentState);
    this.currentState = 'acquiring';
    const timeoutMs = this.options.startTimeoutMs ?? vipGuardLimits.startTimeoutMsDefault;
    const held = this.waitFor('held', 'start', timeoutMs);
    this.send({ type: 'acquire' });
    try {
      await held;
    } catch (err) {
      await this.stop().catch(() => {});
      throw err;
    }
  }

  /**
   * Renews the lease: until min(leaseDeadlineMs, now + leaseMs) on CLOCK_MONOTONIC (monotonicNowMs()),
   * or leaseMs from now. Returns false when there is no lease to renew (the guard let go or exited):
   * the caller must then treat the VIP as lost.
   */
  renew(leaseDeadlineMs?: number): boolean {
    if (this.currentState !== 'acquiring' && this.currentState !== 'held') return false;
    return this.send({ type: 'renew', leaseDeadlineMs });
  }

  /** Asks for a gratuitous ARP now (the guard also repeats one by itself). */
  garp(): boolean {
    return this.currentState === 'held' && this.send({ type: 'garp' });
  }

  /** Removes the VIP and ends the guard; resolves when the guard has exited. */
  async release(): Promise<VipGuardExit> {
    if (this.currentState === 'idle') return this.finishWithoutGuard();
    if (this.currentState === 'exited' && this.exitResult) return this.exitResult;
    await this.preparing?.catch(() => {});
    if (this.currentState !== 'exited') {
      this.currentState = 'releasing';
      this.send({ type: 'release' });
    }
    return this.awaitExit('release');
  }

  /** Ends the guard with SIGTERM (it removes the VIP); resolves when it has exited. */
  async stop(): Promise<VipGuardExit> {
    if (this.currentState === 'idle') return this.finishWithoutGuard();
    if (this.currentState !== 'exited') {
      if (this.currentState !== 'preparing' && this.currentState !== 'standby') this.currentState = 'releasing';
      this.child?.kill('SIGTERM');
    }
    return this.awaitExit('stop');
  }

  private finishWithoutGuard(): VipGuardExit {
    const exit: VipGuardExit = { exitCode: null, signal: null, releasedReason: undefined, fallbackRemoval: 'not-needed' };
    this.currentState = 'exited';
    this.exitResult = exit;
    this.resolveExited(exit);
    return exit;
  }

  private async awaitExit(operation: 'release' | 'stop'): Promise<VipGuardExit> {
    const timeoutMs = this.options.stopTimeoutMs ?? vipGuardLimits.stopTimeoutMsDefault;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const result = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (result !== 'timeout') return result;
    this.emit('log', `vip-guard client: the guard did not finish ${operation} within ${timeoutMs} ms; killing it`);
    this.child?.kill('SIGKILL');
    return this.exited; // the exit handler removes the VIP itself (fallback)
  }

  private launch(): Promise<void> {
    this.currentState = 'preparing';
    const { file, args } = this.options.command ?? defaultGuardCommand();
    const guardArgs = formatVipGuardArgs({
      vip: this.vip,
      dev: this.dev,
      leaseMs: this.options.leaseMs,
      hook: this.options.hook,
      hookTimeoutMs: this.options.hookTimeoutMs ?? vipGuardLimits.hookTimeoutMsDefault,
      garpIntervalMs: this.options.garpIntervalMs ?? vipGuardLimits.garpIntervalMsDefault,
      standby: true,
    });
    const child = (this.options.spawn ?? defaultSpawn)(file, [...args, ...guardArgs]);
    this.child = child;
    const ready = this.waitFor('ready', 'prepare', this.options.startTimeoutMs ?? vipGuardLimits.startTimeoutMsDefault);
    // A dead guard makes writes fail with EPIPE; the exit handler reports it, so the error is only noted.
    child.stdin.on('error', () => {});
    this.readLines(child.stdout, (line) => this.onGuardLine(line));
    this.readLines(child.stderr, (line) => {
      this.stderrTail.push(line);
      if (this.stderrTail.length > vipGuardLimits.stderrTailLinesMax) this.stderrTail.shift();
      this.emit('log', line);
    });
    child.on('error', (err) => this.emit('log', `vip-guard client: ${String(err)}`));
    child.on('close', (code, signal) => void this.onGuardExit(code, signal));
    return ready.then(() => {
      if (this.currentState === 'preparing') this.currentState = 'standby';
    });
  }

  private onGuardLine(line: string): void {
    const event = parseGuardEvent(line);
    if (!event) {
      this.emit('log', `vip-guard client: unexpected line from the guard: ${JSON.stringify(line.slice(0, 80))}`);
      return;
    }
    switch (event.type) {
      case 'ready':
        this.internal.emit('ready');
        return;
      case 'held':
        if (this.currentState === 'acquiring') this.currentState = 'held';
        this.internal.emit('held');
        this.emit('held');
        return;
      case 'released':
        this.releasedReason = event.reason;
        this.emit('released', event.reason);
        return;
      case 'failed':
        this.emit('failed', event.stage, event.message);
        return;
    }
  }

  private async onGuardExit(exitCode: number | null, signal: NodeJS.Signals | null): Promise<void> {
    const mayHaveAdded = this.currentState === 'acquiring' || this.currentState === 'held' || this.currentState === 'releasing';
    this.currentState = 'exited';
    let fallbackRemoval: VipGuardExit['fallbackRemoval'] = 'not-needed';
    if (mayHaveAdded && this.releasedReason === undefined) {
      fallbackRemoval = await this.removeInPlaceOfGuard();
    }
    const exit: VipGuardExit = { exitCode, signal, releasedReason: this.releasedReason, fallbackRemoval };
    this.exitResult = exit;
    this.internal.emit('exit');
    this.resolveExited(exit);
    this.emit('exit', exit);
  }

  /** The guard died holding (or maybe holding) the VIP: nobody else will remove it, so we do. */
  private async removeInPlaceOfGuard(): Promise<VipGuardExit['fallbackRemoval']> {
    const actions = this.options.fallbackActions === undefined ? this.defaultActions() : this.options.fallbackActions;
    if (actions === null) {
      this.emit('log', 'vip-guard client: the guard died without removing the VIP and the fallback is disabled');
      return 'disabled';
    }
    try {
      await actions.remove();
      this.emit('log', `vip-guard client: the guard died without removing the VIP; removed ${actions.description} in its place`);
      return 'done';
    } catch (err) {
      this.emit('log', `vip-guard client: the guard died and removing the VIP in its place failed: ${String(err)}`);
      return 'failed';
    }
  }

  private defaultActions(): VipActions {
    const { hook, hookTimeoutMs } = this.options;
    return hook !== undefined
      ? new HookVipActions({ hook, vip: this.vip, dev: this.dev, ...(hookTimeoutMs !== undefined ? { timeoutMs: hookTimeoutMs } : {}) })
      : new IpVipActions({ vip: this.vip, dev: this.dev });
  }

  /** Resolves on the guard's `event` line; rejects if the guard exits first or the time runs out. */
  private waitFor(event: 'ready' | 'held', operation: 'prepare' | 'start', timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        this.internal.off(event, onEvent);
        this.internal.off('exit', onExit);
      };
      const onEvent = (): void => {
        cleanup();
        resolve();
      };
      const onExit = (): void => {
        cleanup();
        const exit = this.exitResult;
        reject(new VipGuardExitedError(exit?.exitCode ?? null, exit?.signal ?? null, this.stderrTail.slice(-3).join('\n')));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new VipGuardTimeoutError(operation, timeoutMs));
      }, timeoutMs);
      this.internal.on(event, onEvent);
      this.internal.on('exit', onExit);
    });
  }

  private send(command: VipGuardCommand): boolean {
    const stdin = this.child?.stdin;
    if (!stdin || stdin.destroyed || !stdin.writable) return false;
    stdin.write(formatGuardCommand(command));
    return true;
  }

  private readLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
    const splitter = new LineSplitter(4096);
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      for (const line of splitter.push(chunk)) onLine(line);
    });
  }
}

function defaultSpawn(command: string, args: readonly string[]): ChildProcessWithoutNullStreams {
  return spawnChild(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
}

/** This node binary with the tsx loader (resolved here, so it works whatever the daemon's cwd). */
function defaultGuardCommand(): { file: string; args: string[] } {
  return {
    file: process.execPath,
    args: ['--import', import.meta.resolve('tsx'), fileURLToPath(new URL('./vip-guard-main.ts', import.meta.url))],
  };
}
