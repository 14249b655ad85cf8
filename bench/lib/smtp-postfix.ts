/**
 * A throwaway Postfix (Debian's postfix) for the SMTP intake bench: the MTA Tandem's intake is
 * measured beside. Everything lives in one directory of its own — main.cf and master.cf, the queue,
 * the data directory, the log and the Maildirs — so it never touches /etc/postfix or a system
 * instance, and `stop()` leaves nothing behind. Needs root (Postfix's master runs as root and its
 * daemons as the postfix user).
 *
 * The settings are Debian's defaults except what a loopback bench needs: smtpd on a free loopback
 * port, no chroot, mail for example.test delivered by the virtual(8) agent into Maildirs, and the
 * log to stdout, a file in that directory (no syslog here). Like Tandem, Postfix answers 250 only after the message is fsynced
 * (cleanup(8) syncs the queue file before smtpd replies); it delivers to the Maildir afterwards, so
 * `waitDelivered` tells when the last message is in new/.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { waitForGreeting } from '../../test/support/wait-for-greeting.js';
import { join } from 'node:path';

export const postfixBinary = '/usr/sbin/postfix';
const startTimeoutMs = 15_000;

export class PostfixUnavailableError extends Error {}

export interface PostfixInstance {
  port: number;
  /** Maildir new/ of each local user. */
  newDir(user: string): string;
  /** Resolves once `count` messages are in the user's new/ (or rejects after `timeoutMs`). */
  waitDelivered(user: string, count: number, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

/** Installs postfix when running as root; otherwise throws PostfixUnavailableError. */
export function ensurePostfixInstalled(): void {
  if (process.getuid?.() !== 0) throw new PostfixUnavailableError('the Postfix line needs root (its master runs as root)');
  if (existsSync(postfixBinary)) return;
  process.stderr.write('installing postfix (apt-get)…\n');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const result = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'postfix'], { stdio: 'inherit', env });
  if (result.status !== 0 || !existsSync(postfixBinary)) throw new PostfixUnavailableError(`${postfixBinary} not found: apt-get install -y postfix`);
}

/** Starts Postfix in a new directory under `root`, accepting mail for `users` (all @example.test). */
export async function startPostfix(opts: { root: string; port: number; users: string[] }): Promise<PostfixInstance> {
  const dir = await mkdtemp(join(opts.root, 'postfix-'));
  try {
    await chmod(dir, 0o755); // the postfix user and the virtual agent (nobody) work under it
    return await startIn(dir, opts.port, opts.users);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

async function startIn(dir: string, port: number, users: string[]): Promise<PostfixInstance> {
  const conf = join(dir, 'conf');
  const mail = join(dir, 'mail');
  for (const d of [conf, mail, join(dir, 'data'), join(dir, 'queue')]) await mkdir(d, { recursive: true, mode: 0o755 });
  await writeFile(join(conf, 'main.cf'), mainCf(dir));
  await writeFile(join(conf, 'vmailbox'), users.map((u) => `${u} ${u.split('@')[1]}/${u.split('@')[0]}/\n`).join(''));
  await writeFile(join(conf, 'master.cf'), masterCf(port));
  // The Maildirs belong to the virtual agent's uid (nobody); the data directory to postfix.
  for (const [owner, path] of [['65534:65534', mail], ['postfix', join(dir, 'data')]] as const) {
    const chown = spawnSync('chown', [owner, path]);
    if (chown.status !== 0) throw new PostfixUnavailableError(`chown ${owner} ${path}: ${chown.stderr.toString()}`);
  }
  // The log goes to a file: Postfix opens /dev/stdout by name, which fails on a socket (Node's pipes).
  const logPath = join(dir, 'postfix.log');
  const logFd = openSync(logPath, 'a');
  const child = spawn(postfixBinary, ['-c', conf, 'start-fg'], { stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  const logTail = (): string => { try { return readFileSync(logPath, 'utf8').slice(-4000); } catch { return ''; } };
  const masterPid = (): number | undefined => {
    try { return Number(readFileSync(join(dir, 'queue', 'pid', 'master.pid'), 'utf8').trim()) || undefined; } catch { return undefined; }
  };
  const killMaster = (): void => { const pid = masterPid(); if (pid) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } };
  process.on('exit', killMaster);
  try {
    await waitForGreeting(port, child, { ready: (text) => text.startsWith('220'), farewell: 'QUIT\r\n', timeoutMs: startTimeoutMs });
  } catch (err) {
    killMaster();
    throw new PostfixUnavailableError(`postfix did not start: ${(err as Error).message}\n${logTail()}`);
  }
  const newDir = (user: string): string => join(mail, user.split('@')[1]!, user.split('@')[0]!, 'new');
  return {
    port,
    newDir,
    waitDelivered: async (user, count, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const n = await readdir(newDir(user)).then((names) => names.length, () => 0);
        if (n >= count) return;
        if (Date.now() > deadline) throw new Error(`postfix delivered ${n} of ${count} within ${timeoutMs} ms\n${logTail()}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    stop: async () => {
      process.off('exit', killMaster);
      const exited = new Promise((resolve) => child.once('exit', resolve));
      spawnSync(postfixBinary, ['-c', conf, 'stop']);
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      killMaster();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function mainCf(dir: string): string {
  return `# Generated by bench/lib/smtp-postfix.ts for one bench run.
compatibility_level = 3.6
queue_directory = ${dir}/queue
data_directory = ${dir}/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = postfix.bench.test
mydestination =
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
virtual_mailbox_domains = example.test
virtual_mailbox_base = ${dir}/mail
virtual_mailbox_maps = texthash:${dir}/conf/vmailbox
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
virtual_mailbox_limit = 0
message_size_limit = 52428800
smtputf8_enable = yes
maillog_file = /dev/stdout
`;
}

/** Debian's master.cf with smtpd moved to the bench's port and no service chrooted. */
function masterCf(port: number): string {
  const lines: string[] = [];
  for (const line of readFileSync('/etc/postfix/master.cf', 'utf8').split('\n')) {
    if (line.startsWith('#') || line.startsWith(' ') || line.trim() === '') continue;
    const f = line.split(/\s+/);
    if (f[0] === 'smtp' && f[1] === 'inet') { lines.push(`127.0.0.1:${port} inet n - n - - smtpd`); continue; }
    if (f.length >= 8) f[4] = 'n';
    lines.push(f.join(' '));
  }
  return `${lines.join('\n')}\n`;
}
