import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts } from '@tandem/testkit';

/**
 * A real tandemd child process for end-to-end tests. It starts the daemon exactly as a user would
 * (through npm start's command, or the bin), waits for the connection details it prints on stdout,
 * and parses them.
 */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface DaemonPorts { smtp: number; submission: number; submissions: number; imap: number; imaps: number }

export interface PrintedDetails {
  smtp: number;
  submission: number;
  submissions: number;
  user: string | undefined;
  password: string | undefined;
  dataDir: string;
  text: string;
}

export class DaemonProcess {
  stderr = '';
  stdout = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (c: Buffer) => { this.stdout += c.toString('utf8'); });
    child.stderr?.on('data', (c: Buffer) => { this.stderr += c.toString('utf8'); });
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** `node --import tsx apps/server/src/main.ts ARGS` (what `npm start` runs, with --dev). */
  static spawn(args: string[], options: { command?: string[]; env?: NodeJS.ProcessEnv } = {}): DaemonProcess {
    const command = options.command ?? [process.execPath, '--import', 'tsx', 'apps/server/src/main.ts'];
    const [file, ...rest] = command;
    const child = spawn(file ?? process.execPath, [...rest, ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new DaemonProcess(child);
  }

  static async devArgs(dataDir: string, ports?: DaemonPorts): Promise<{ args: string[]; ports: DaemonPorts }> {
    let p = ports;
    if (!p) {
      const [smtp = 0, submission = 0, submissions = 0, imap = 0, imaps = 0] = await freePorts(5);
      p = { smtp, submission, submissions, imap, imaps };
    }
    return {
      ports: p,
      args: ['--dev', '--data-dir', dataDir, '--smtp-port', String(p.smtp), '--submission-port', String(p.submission),
        '--submissions-port', String(p.submissions), '--imap-port', String(p.imap), '--imaps-port', String(p.imaps)],
    };
  }

  /**
   * A dev-mode daemon on free ports in a new temp data dir, with the demo user's password fixed,
   * ready; stopped and its data dir removed when the test ends.
   */
  static async startDev(t: { after(fn: () => Promise<void>): void }, name: string, demoPassword: string): Promise<{ daemon: DaemonProcess; dataDir: string; ports: DaemonPorts; details: PrintedDetails }> {
    const dataDir = mkdtempSync(join(tmpdir(), `tandem-${name}-`));
    const { args, ports } = await DaemonProcess.devArgs(dataDir);
    const daemon = DaemonProcess.spawn([...args, '--demo-password', demoPassword]);
    t.after(async () => {
      await daemon.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });
    return { daemon, dataDir, ports, details: await daemon.ready() };
  }

  /** Resolves once the details are printed; rejects if the process exits first or time runs out. */
  ready(timeoutMs = 60_000): Promise<PrintedDetails> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!this.stdout.includes('  admin ')) return;
        cleanup();
        resolve(parseDetails(this.stdout));
      };
      const onExit = (): void => { cleanup(); reject(new Error(`tandemd exited before it was ready:\n${this.stderr}`)); };
      const timer = setTimeout(() => { cleanup(); reject(new Error(`tandemd not ready within ${timeoutMs} ms:\n${this.stdout}\n${this.stderr}`)); }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.child.stdout?.removeListener('data', check);
        this.child.removeListener('exit', onExit);
      };
      this.child.stdout?.on('data', check);
      this.child.once('exit', onExit);
      check();
    });
  }

  /**
   * Waits until tandemd's log matches `pattern` (a regular expression, or a test of the whole
   * log). A line the daemon writes after its answer left (a backup's "sent whole" comes when the
   * stream ends, and the CLI may have read every byte and exited first) is in another process's
   * pipe: it is waited for, bounded, never assumed.
   */
  async waitForStderr(pattern: RegExp | ((stderr: string) => boolean), timeoutMs = 5_000): Promise<void> {
    const matches = (): boolean => (typeof pattern === 'function' ? pattern(this.stderr) : pattern.test(this.stderr));
    if (matches()) return;
    await new Promise<void>((resolve, reject) => {
      const check = (): void => { if (matches()) { cleanup(); resolve(); } };
      const onExit = (): void => { cleanup(); reject(new Error(`tandemd exited before its log matched ${pattern}:\n${this.stderr}`)); };
      const timer = setTimeout(() => { cleanup(); reject(new Error(`tandemd's log did not match ${pattern} within ${timeoutMs} ms:\n${this.stderr}`)); }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.child.stderr?.removeListener('data', check);
        this.child.removeListener('exit', onExit);
      };
      // Registered after the constructor's listener, so this.stderr already holds the chunk.
      this.child.stderr?.on('data', check);
      this.child.once('exit', onExit);
    });
  }

  /**
   * The tandemd process id, from its first log line. Under `npm start` the child is npm, which
   * would exit on a signal before tandemd finished; signals go to tandemd itself, and npm exits
   * with its status.
   */
  get daemonPid(): number {
    const pid = /"pid":(\d+)/.exec(this.stderr)?.[1];
    return pid ? Number(pid) : (this.child.pid ?? 0);
  }

  kill(signal: NodeJS.Signals): void {
    process.kill(this.daemonPid, signal);
  }

  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.kill('SIGTERM');
    return this.exited;
  }
}

export function parseDetails(text: string): PrintedDetails {
  const field = (name: string): string | undefined => new RegExp(`^  ${name} +(\\S+)`, 'm').exec(text)?.[1];
  const port = (name: string): number => Number(field(name)?.split(':').pop());
  return {
    smtp: port('smtp'),
    submission: port('submission'),
    submissions: port('submissions'),
    user: field('user'),
    password: field('password'),
    dataDir: field('data dir') ?? '',
    text,
  };
}
