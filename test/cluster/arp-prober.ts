import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { NetnsTimeoutError } from './netns-errors.js';

/** One probe window: the "who has VIP?" request sent at sentAtMs and every MAC that answered it. */
export interface ArpProbeWindow {
  seq: number;
  /** CLOCK_MONOTONIC ms (comparable with monotonicNowMs() in the test process). */
  sentAtMs: number;
  macs: string[];
}

/** A gratuitous ARP for the probed address seen on the wire (sender IP = target IP = VIP). */
export interface GratuitousArp {
  atMs: number;
  mac: string;
  /** 1 request, 2 reply (both forms are used for announcements). */
  op: number;
}

/** A run of consecutive windows with the same answer (null: nobody answered; "m1+m2", sorted: both). */
export interface ArpOwnershipSpan {
  mac: string | null;
  fromMs: number;
  toMs: number;
  windows: number;
}

/**
 * The test side of arp-prober.py, running in the client namespace: asks who has the VIP every
 * intervalMs and keeps every window. The split-brain checker is conflicts(): windows that two
 * different MACs answered, i.e. two hosts held the address at the same instant.
 */
export class ArpProber {
  readonly windows: ArpProbeWindow[] = [];
  readonly gratuitous: GratuitousArp[] = [];
  private readonly waiters = new Set<() => void>();
  private ended = false;
  private readonly exited: Promise<void>;

  constructor(
    private readonly child: ChildProcess,
    /** MAC of the client's own interface. */
    readonly ownMac: string,
    readonly target: string,
    readonly intervalMs: number,
  ) {
    this.exited = new Promise((resolve) => child.once('close', () => resolve()));
    void this.exited.then(() => {
      this.ended = true;
      this.wake();
    });
  }

  /**
   * Starts reading the prober's stdout; resolves with its own MAC once it says READY. Used by
   * NetnsHarness.startArpProber(), which spawns the script in the client namespace.
   */
  static attach(child: ChildProcess, target: string, intervalMs: number, readyTimeoutMs: number): Promise<ArpProber> {
    return new Promise((resolve, reject) => {
      let prober: ArpProber | undefined;
      const stderr: string[] = [];
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new NetnsTimeoutError(`the ARP prober did not start (${stderr.join('').trim()})`, readyTimeoutMs));
      }, readyTimeoutMs);
      child.once('close', (code) => {
        clearTimeout(timer);
        if (!prober) reject(new Error(`the ARP prober exited with ${code} before it was ready: ${stderr.join('').trim()}`));
      });
      const lines = createInterface({ input: child.stdout! });
      lines.on('line', (line) => {
        const words = line.split(' ');
        if (words[0] === 'READY' && !prober) {
          clearTimeout(timer);
          prober = new ArpProber(child, words[1] ?? '', target, intervalMs);
          resolve(prober);
        } else if (prober) {
          prober.onLine(words);
        }
      });
    });
  }

  private onLine(words: string[]): void {
    if (words[0] === 'W' && words.length === 4) {
      this.windows.push({ seq: Number(words[1]), sentAtMs: Number(words[2]), macs: words[3] === '-' ? [] : (words[3] ?? '').split(',') });
      this.wake();
    } else if (words[0] === 'G' && words.length === 4) {
      this.gratuitous.push({ atMs: Number(words[1]), mac: words[2] ?? '', op: Number(words[3]) });
      this.wake();
    }
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Windows that two or more different MACs answered: two holders at once. */
  conflicts(): ArpProbeWindow[] {
    return this.windows.filter((window) => window.macs.length > 1);
  }

  /** The windows compressed into spans of one answer each, for assertions and failure messages. */
  ownership(fromMs = -Infinity): ArpOwnershipSpan[] {
    const spans: ArpOwnershipSpan[] = [];
    for (const window of this.windows) {
      if (window.sentAtMs < fromMs) continue;
      const mac = window.macs.length === 0 ? null : [...window.macs].sort().join('+');
      const last = spans.at(-1);
      if (last && last.mac === mac) {
        last.toMs = window.sentAtMs;
        last.windows++;
      } else {
        spans.push({ mac, fromMs: window.sentAtMs, toMs: window.sentAtMs, windows: 1 });
      }
    }
    return spans;
  }

  /**
   * Resolves with the first window, sent at or after fromMs, that starts `consecutive` windows in a
   * row answered by exactly `mac` (null: by nobody). Rejects after timeoutMs or if the prober ends.
   */
  waitForOwner(mac: string | null, options: { fromMs: number; timeoutMs: number; consecutive?: number }): Promise<ArpProbeWindow> {
    const consecutive = options.consecutive ?? 1;
    const matches = (window: ArpProbeWindow): boolean => (mac === null ? window.macs.length === 0 : window.macs.length === 1 && window.macs[0] === mac);
    return this.waitFor(`ARP answers from ${mac ?? 'nobody'} (${consecutive} windows in a row)`, options.timeoutMs, () => {
      let run: ArpProbeWindow[] = [];
      for (const window of this.windows) {
        if (window.sentAtMs < options.fromMs) continue;
        run = matches(window) ? [...run, window] : [];
        if (run.length >= consecutive) return run[0];
      }
      return undefined;
    });
  }

  /** Resolves with the first gratuitous ARP from `mac` seen at or after fromMs. */
  waitForGratuitous(mac: string, options: { fromMs: number; timeoutMs: number }): Promise<GratuitousArp> {
    return this.waitFor(`a gratuitous ARP from ${mac}`, options.timeoutMs, () => this.gratuitous.find((g) => g.mac === mac && g.atMs >= options.fromMs));
  }

  private waitFor<T>(what: string, timeoutMs: number, find: () => T | undefined): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = find();
        if (found !== undefined) {
          done();
          resolve(found);
        } else if (this.ended) {
          done();
          reject(new Error(`the ARP prober ended while waiting for ${what}`));
        }
      };
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      const timer = setTimeout(() => {
        done();
        reject(new NetnsTimeoutError(`waiting for ${what}; answers seen: ${JSON.stringify(this.ownership().slice(-6))}`, timeoutMs));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** Stops the prober and waits for it to exit (killed after a second if it does not). */
  async stop(): Promise<void> {
    if (this.ended) return;
    this.child.stdin?.end('stop\n');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 1_000);
    await this.exited;
    clearTimeout(timer);
  }
}
