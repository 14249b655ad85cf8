/**
 * A throwaway Dovecot (Debian's dovecot-imapd): the reference the IMAP bench's Tandem figures are
 * divided by, and the independent Maildir reader that test/e2e/maildir-export.test.ts points at a
 * `tandem export`. Everything lives in one temp dir — its own config, base_dir, state_dir, log, a
 * passwd-file with one plaintext user and the Maildir — so it never touches /etc/dovecot or a
 * system instance, and `stop()` leaves nothing behind.
 *
 * The settings are Dovecot's compiled-in defaults (what Debian ships) except what a loopback
 * run needs: no TLS and plaintext auth (loopback only), a free port, and more sessions per
 * user and IP than the default 10 (the bench opens 11).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '@tandem/testkit';
import { waitForGreeting } from './wait-for-greeting.js';
import type { GeneratedMessage } from './mailbox-generator.js';

export const dovecotBinary = '/usr/sbin/dovecot';
const startTimeoutMs = 15_000;
const stopTimeoutMs = 5_000;

export class DovecotMissingError extends Error {
  constructor() { super(`${dovecotBinary} not found: apt-get install -y dovecot-imapd`); }
}

export class DovecotStartError extends Error {
  constructor(reason: string, readonly log: string) { super(`dovecot did not start: ${reason}\n${log}`); }
}

export interface DovecotInstance {
  port: number;
  user: string;
  password: string;
  /** The user's Maildir (INBOX is its root). */
  maildir: string;
  stop(): Promise<void>;
}

/** Installs dovecot-imapd when running as root; otherwise throws DovecotMissingError. */
export function ensureDovecotInstalled(): void {
  if (existsSync(dovecotBinary)) return;
  if (process.getuid?.() !== 0) throw new DovecotMissingError();
  process.stderr.write('installing dovecot-imapd (apt-get)…\n');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const result = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'dovecot-imapd'], { stdio: 'inherit', env });
  if (result.status !== 0 || !existsSync(dovecotBinary)) throw new DovecotMissingError();
}

/** Maildir flag letters (https://cr.yp.to/proto/maildir.html), in ASCII order as required. */
const maildirLetters: Record<string, string> = { '\\Draft': 'D', '\\Flagged': 'F', '\\Answered': 'R', '\\Seen': 'S', '\\Deleted': 'T' };

/**
 * Writes the messages into `maildir`/cur with their flags in the file names and INTERNALDATE as
 * the mtime (what Dovecot reports for maildir). The names start with increasing seconds, the order
 * Dovecot gives UIDs to new files in, so message n has sequence number n on both servers.
 * ",S=" and ",W=" carry the size (the bytes already end lines in CRLF, so both are the file size).
 */
export async function writeMaildir(maildir: string, messages: readonly GeneratedMessage[]): Promise<void> {
  for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(maildir, sub), { recursive: true });
  const baseSec = 1_700_000_000;
  for (let i = 0; i < messages.length; i += 64) {
    await Promise.all(messages.slice(i, i + 64).map(async (m, k) => {
      const n = i + k;
      const letters = m.flags.map((f) => maildirLetters[f] ?? '').sort().join('');
      const path = join(maildir, 'cur', `${baseSec + n}.M${n}P1.bench,S=${m.bytes.length},W=${m.bytes.length}:2,${letters}`);
      await writeFile(path, m.bytes);
      const when = new Date(m.internalDateMs);
      await utimes(path, when, when);
    }));
  }
}

/** The user's mail: messages to write into a new Maildir, or a Maildir++ tree to copy (`cp -a`). */
export type DovecotMail = { messages: readonly GeneratedMessage[] } | { copyOf: string };

/**
 * Writes (or copies) the Maildir and starts Dovecot in a temp dir of its own (directly under
 * os.tmpdir(), so that as root the unprivileged mail processes can reach it); `stop()` removes it.
 * A copied tree gets files of its own, so the chown below never reaches the original's.
 */
export async function startDovecot(opts: { user: string; password: string; tandemNames?: boolean } & DovecotMail): Promise<DovecotInstance> {
  if (!existsSync(dovecotBinary)) throw new DovecotMissingError();
  const { user, password } = opts;
  const dir = await mkdtemp(join(tmpdir(), 'tandem-dovecot-'));
  try {
    return await startIn(dir, user, password, opts, opts.tandemNames ?? false);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

async function startIn(dir: string, user: string, password: string, mail: DovecotMail, tandemNames: boolean): Promise<DovecotInstance> {
  const home = join(dir, 'home');
  const maildir = join(home, 'Maildir');
  if ('copyOf' in mail) {
    await mkdir(home);
    const copy = spawnSync('cp', ['-a', mail.copyOf, maildir]);
    if (copy.status !== 0) throw new DovecotStartError(`cp -a ${mail.copyOf} failed`, copy.stderr.toString());
  } else {
    await writeMaildir(maildir, mail.messages);
  }
  const asRoot = process.getuid?.() === 0;
  // As root, mail processes run as nobody (Dovecot refuses UID 0 for mail access); otherwise
  // everything runs as the current user, Dovecot's documented non-root mode.
  const owner = asRoot ? { uid: 65534, gid: 65534, name: undefined } : { uid: userInfo().uid, gid: userInfo().gid, name: userInfo().username };
  if (asRoot) {
    await chmod(dir, 0o755);
    const chown = spawnSync('chown', ['-R', `${owner.uid}:${owner.gid}`, home]);
    if (chown.status !== 0) throw new DovecotStartError('chown of the Maildir failed', chown.stderr.toString());
  }
  const [port] = await freePorts(1);
  const logPath = join(dir, 'dovecot.log');
  const confPath = join(dir, 'dovecot.conf');
  await writeFile(join(dir, 'users'), `${user}:{PLAIN}${password}::::::\n`, { mode: 0o644 });
  await writeFile(confPath, dovecotConfig({ dir, port: port!, home, maildir, logPath, owner, tandemNames }));
  await mkdir(join(dir, 'state'), { recursive: true });

  const child = spawn(dovecotBinary, ['-F', '-c', confPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
  const killOnExit = (): void => { child.kill('SIGKILL'); };
  process.on('exit', killOnExit);
  try {
    await waitForGreeting(port!, child, { ready: (text) => text.startsWith('* OK'), farewell: 'a LOGOUT\r\n', timeoutMs: startTimeoutMs });
  } catch (err) {
    child.kill('SIGKILL');
    const log = await readFile(logPath, 'utf8').catch(() => '');
    throw new DovecotStartError((err as Error).message, `${output}${log}`);
  }
  return {
    port: port!, user, password, maildir,
    stop: async () => {
      process.off('exit', killOnExit);
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `tandemNames`: folder names as `tandem export` writes them, which Dovecot's defaults do not read:
 * UTF-8 on disk (`:UTF-8`, not modified UTF-7) and '.' inside a name escaped as %2e (the listescape
 * plugin with '%' as its escape character, '/' as the hierarchy separator). README.md gives the same.
 */
function dovecotConfig(o: { dir: string; port: number; home: string; maildir: string; logPath: string; owner: { uid: number; gid: number; name: string | undefined }; tandemNames: boolean }): string {
  const nonRoot = o.owner.name !== undefined
    ? `default_internal_user = ${o.owner.name}\ndefault_login_user = ${o.owner.name}\nservice imap-login {\n  chroot =\n}\n`
    : '';
  return `# Generated by test/support/dovecot-process.ts for one run.
instance_name = tandem-bench-${process.pid}
base_dir = ${join(o.dir, 'run')}
state_dir = ${join(o.dir, 'state')}
log_path = ${o.logPath}
listen = 127.0.0.1
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = ${Math.min(o.owner.uid, 500)}
mail_location = maildir:${o.maildir}${o.tandemNames ? ':UTF-8' : ''}
namespace inbox {
  inbox = yes
  prefix =
${o.tandemNames ? '  separator = /\n' : ''}}
${o.tandemNames ? 'mail_plugins = $mail_plugins listescape\nplugin {\n  listescape_char = "%%"\n}\n' : ''}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${join(o.dir, 'users')}
}
userdb {
  driver = static
  args = uid=${o.owner.uid} gid=${o.owner.gid} home=${o.home}
}
protocol imap {
  mail_max_userip_connections = 100
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${o.port}
  }
  inet_listener imaps {
    port = 0
  }
}
${nonRoot}`;
}

/** SIGTERM, then SIGKILL if the process has not exited within `timeoutMs`; resolves once it has. */
export async function stopChild(child: ChildProcess, timeoutMs = stopTimeoutMs): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}
