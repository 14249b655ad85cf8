import { spawn } from 'node:child_process';
import { repoRoot } from './daemon-process.js';

export interface ProcessResult { code: number | null; stdout: string; stderr: string }

/** Runs a program to its end and collects its output and exit status. */
export function runProcess(file: string, args: string[], options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: options.cwd ?? repoRoot, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString('utf8'); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString('utf8'); });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** Runs the real `tandem` bin (apps/cli/bin/tandem.mjs) and collects its output and exit status. */
export function runCli(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ProcessResult> {
  return runProcess(process.execPath, ['apps/cli/bin/tandem.mjs', ...args], { input: options.input, env: { ...process.env, ...options.env } });
}

/**
 * `tandem --data-dir DIR …` for one daemon: `cli` gives the whole result, `ok` asserts exit 0 (the
 * message names the command and its stderr) and gives stdout.
 */
export function cliFor(dataDir: string): { cli: (...args: string[]) => Promise<ProcessResult>; ok: (...args: string[]) => Promise<string> } {
  const cli = (...args: string[]): Promise<ProcessResult> => runCli(['--data-dir', dataDir, ...args]);
  const ok = async (...args: string[]): Promise<string> => {
    const r = await cli(...args);
    if (r.code !== 0) throw new Error(`tandem ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  return { cli, ok };
}
