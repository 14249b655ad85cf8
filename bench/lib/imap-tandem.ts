/**
 * Tandem's side of the IMAP bench: loads the generated messages into a fresh data dir through the
 * command log (domain.add, user.add, then one message.append per message, with its flags and
 * INTERNALDATE — the way an IMAP migration would), then serves it with ImapServer in a child
 * process (bench/lib/imap-tandem-server.ts), so the server has its own event loop and CPU, as Dovecot
 * has its own processes.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalCommandLog, MailStore, hashPassword } from '@tandem/store';
import type { GeneratedMessage } from '../../test/support/mailbox-generator.js';
import { stopChild } from '../../test/support/dovecot-process.js';

const serverScript = fileURLToPath(new URL('./imap-tandem-server.ts', import.meta.url));
/** Proposals in flight while loading: enough for group commit to batch many appends per fsync. */
const loadWindow = 256;
const startTimeoutMs = 30_000;
const stopTimeoutMs = 10_000;

export class TandemLoadError extends Error {
  constructor(what: string, detail: string) { super(`loading ${what} into Tandem failed: ${detail}`); }
}

export class TandemServerError extends Error {
  constructor(reason: string, readonly output: string) { super(`Tandem ImapServer: ${reason}\n${output}`); }
}

export interface TandemInstance {
  port: number;
  stop(): Promise<void>;
}

/** The data dir layout tandemd uses: the store at the root, the command log in log/. */
export function commandLogDir(dataDir: string): string { return join(dataDir, 'log'); }

export async function loadTandem(dataDir: string, user: string, password: string, messages: readonly GeneratedMessage[]): Promise<void> {
  const store = await MailStore.open({ dataDir });
  const log = await LocalCommandLog.open({ dir: commandLogDir(dataDir), store });
  try {
    const domain = user.split('@')[1]!;
    const proposed = async (what: string, result: Promise<{ ok: boolean; error?: string; message?: string }>): Promise<void> => {
      const r = await result;
      if (!r.ok) throw new TandemLoadError(what, `${r.error} ${r.message}`);
    };
    await proposed('domain', log.propose({ type: 'domain.add', timestampMs: Date.now(), domain }));
    await proposed('user', log.propose({ type: 'user.add', timestampMs: Date.now(), address: user, passwordHash: await hashPassword(password) }));
    // The log applies in proposal order, so message n gets UID n (and sequence number n).
    let next = 0;
    await Promise.all(Array.from({ length: loadWindow }, async () => {
      while (next < messages.length) {
        const n = next++;
        const m = messages[n]!;
        await proposed(`message ${n + 1}`, log.propose({
          type: 'message.append', timestampMs: Date.now(), user, mailbox: 'INBOX', message: m.bytes, flags: m.flags, internalDateMs: m.internalDateMs,
        }));
      }
    }));
  } finally {
    await log.close();
    await store.close();
  }
}

/**
 * Starts the server child on an OS-chosen loopback port; `cpuProfDir` runs it under --cpu-prof,
 * `liftRateLimit` turns off the per-session command rate limit (a diagnostic, never the default).
 */
export async function startTandem(dataDir: string, opts: { cpuProfDir?: string; liftRateLimit?: boolean } = {}): Promise<TandemInstance> {
  const nodeArgs = [
    '--import', 'tsx', ...(opts.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', opts.cpuProfDir] : []),
    serverScript, '--data', dataDir, ...(opts.liftRateLimit ? ['--lift-rate-limit'] : []),
  ];
  const child = spawn(process.execPath, nodeArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
  const killOnExit = (): void => { child.kill('SIGKILL'); };
  process.on('exit', killOnExit);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new TandemServerError(`no port within ${startTimeoutMs} ms`, output)); }, startTimeoutMs);
    let line = '';
    child.stdout!.on('data', (d: Buffer) => {
      line += d.toString();
      const m = /^port (\d+)$/m.exec(line);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new TandemServerError(`exited with ${code} before listening`, output)); });
  });
  return {
    port,
    stop: async () => {
      process.off('exit', killOnExit);
      await stopChild(child, stopTimeoutMs);
    },
  };
}
