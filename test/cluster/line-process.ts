import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { NetnsTimeoutError } from './netns-errors.js';

/**
 * A fixture process the test drives over stdin, one command a line, and follows by its stdout
 * lines (fixtures/vip-holder.ts, fixtures/remote-mx.ts): waits are for a line, bounded, never
 * for time to pass.
 */
export class LineProcess {
  readonly lines: string[] = [];
  readonly stderr: string[] = [];
  private readonly waiters = new Set<() => void>();
  protected closed = false;

  constructor(readonly child: ChildProcess, private readonly name: string) {
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

  get pid(): number {
    return this.child.pid ?? -1;
  }

  protected write(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  /** Resolves with the first line starting with `prefix` (earlier lines count too). */
  waitForLine(prefix: string, timeoutMs: number): Promise<string> {
    return this.waitFor(`saying "${prefix}"`, () => this.lines.find((line) => line.startsWith(prefix)), timeoutMs);
  }

  /** Resolves with what `found` returns once it is not undefined, checked at each new line. */
  waitFor<T>(what: string, found: () => T | undefined, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const value = found();
        if (value !== undefined) {
          finish();
          resolve(value);
        } else if (this.closed) {
          finish();
          reject(new Error(`${this.name} exited before ${what}; stdout ${JSON.stringify(this.lines)}; stderr ${JSON.stringify(this.stderr.slice(-5))}`));
        }
      };
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      const timer = setTimeout(() => {
        finish();
        reject(new NetnsTimeoutError(`${this.name} ${what} (stdout ${JSON.stringify(this.lines)}; stderr ${JSON.stringify(this.stderr.slice(-5))})`, timeoutMs));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Ends the process (closing stdin makes a fixture finish and exit); SIGKILL after a bound. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.child.kill('SIGCONT'); // a frozen process could not read its stdin
    this.child.stdin!.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await new Promise<void>((resolve) => (this.closed ? resolve() : this.child.once('close', () => resolve())));
    clearTimeout(timer);
  }
}
