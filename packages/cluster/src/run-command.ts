import { execFile, spawnSync } from 'node:child_process';
import { VipCommandError } from './vip-errors.js';

export interface CommandOutput {
  stdout: string;
  stderr: string;
}

const outputBytesMax = 1024 * 1024;

/**
 * Runs a program (no shell, so nothing in the arguments is interpreted), kills it after timeoutMs,
 * and resolves with its output on exit code 0. Anything else rejects with VipCommandError. Aborting
 * `signal` kills it at once (SIGKILL), e.g. an arping still announcing an address being removed.
 */
export function runCommand(command: string, args: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<CommandOutput> {
  return new Promise((resolve, reject) => {
    const options = { timeout: timeoutMs, killSignal: 'SIGKILL' as const, maxBuffer: outputBytesMax, encoding: 'utf8' as const, ...(signal ? { signal } : {}) };
    execFile(command, args, options, (err, stdout, stderr) => {
      if (!err) {
        resolve({ stdout, stderr });
        return;
      }
      const failure = err as NodeJS.ErrnoException & { code?: number | string; killed?: boolean; signal?: NodeJS.Signals | null };
      const exitCode = typeof failure.code === 'number' ? failure.code : null;
      const detail = stderr || (typeof failure.code === 'string' ? `${failure.code}: ${failure.message}` : '');
      reject(new VipCommandError(command, args, exitCode, failure.signal ?? null, tail(detail), failure.killed === true && exitCode === null && signal?.aborted !== true));
    });
  });
}

/**
 * The same, blocking: only for last-ditch paths (an uncaught exception in the guard) where the event
 * loop can no longer be trusted to run callbacks.
 */
export function runCommandSync(command: string, args: readonly string[], timeoutMs: number): void {
  const result = spawnSync(command, args, { timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (result.error || result.status !== 0) {
    const timedOut = (result.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
    throw new VipCommandError(command, args, result.status, result.signal, tail(result.stderr ?? String(result.error ?? '')), timedOut);
  }
}

function tail(text: string): string {
  return text.length > 2000 ? text.slice(-2000) : text;
}
