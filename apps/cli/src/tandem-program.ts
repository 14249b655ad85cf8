import { resolve } from 'node:path';
import { Command } from 'commander';
import { adminTarget, callAdmin, type AdminTarget } from './admin-client.js';
import { formatTable } from './format-table.js';
import { promptPassword } from './prompt-password.js';
import { parseByteSize } from './byte-size.js';
import { registerClusterCommands } from './cluster-commands.js';
import { registerBackupCommands } from './backup-commands.js';
import { registerQueueCommands } from './queue-commands.js';
import { registerReviewCommands } from './review-commands.js';
import { registerArchiveCommands } from './archive-commands.js';
import { registerDkimCommands } from './dkim-commands.js';

/**
 * `tandem`: the admin CLI. Each subcommand is one admin API operation; `--json` prints the raw
 * result for scripts, otherwise a table or a sentence for people.
 */
interface GlobalOptions { dataDir?: string; socket?: string; json?: boolean }

export const defaultDataDir = '.tandem';

function target(command: Command): AdminTarget {
  const options = command.optsWithGlobals<GlobalOptions>();
  const dataDir = resolve(options.dataDir ?? process.env.TANDEM_DATA_DIR ?? defaultDataDir);
  return adminTarget(dataDir, options.socket);
}

function wantsJson(command: Command): boolean {
  return command.optsWithGlobals<GlobalOptions>().json === true;
}

function print(command: Command, result: unknown, human: () => string): void {
  process.stdout.write(wantsJson(command) ? `${JSON.stringify(result, null, 2)}\n` : human());
}

function bytes(n: number | null): string {
  if (n === null) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

async function passwordFrom(options: { password?: string }, prompt: string): Promise<string> {
  return options.password ?? promptPassword(prompt);
}

export function buildProgram(): Command {
  const program = new Command('tandem')
    .description('administer a running tandemd over its admin socket')
    .option('--data-dir <dir>', 'tandemd data dir (default: $TANDEM_DATA_DIR, else ./.tandem)')
    .option('--socket <path>', 'admin socket (default: <data-dir>/admin.sock)')
    .option('--json', 'print results as JSON for scripts')
    .showHelpAfterError('(run with --help for usage)');

  const user = program.command('user').description('mail users');
  user.command('add <address>').description('add a user (prompts for the password unless --password)')
    .option('--password <pw>', 'the password (visible in the process list; prefer the prompt)')
    .option('--quota <size>', 'storage quota: bytes, or with K, M, G or T (powers of 1024), e.g. 2G', parseByteSize)
    .action(async (address: string, options: { password?: string; quota?: number }, cmd: Command) => {
      const password = await passwordFrom(options, `password for ${address}`);
      const result = await callAdmin(target(cmd), 'user.add', { address, password, ...(options.quota !== undefined ? { quotaBytes: options.quota } : {}) });
      print(cmd, result, () => `added user ${address}\n`);
    });
  user.command('list').description('list users').action(async (_options: unknown, cmd: Command) => {
    const users = await callAdmin(target(cmd), 'user.list') as Array<{ address: string; createdMs: number; quotaBytes: number | null; usageBytes: number }>;
    print(cmd, users, () => formatTable(['ADDRESS', 'USED', 'QUOTA', 'CREATED'],
      users.map((u) => [u.address, bytes(u.usageBytes), bytes(u.quotaBytes), new Date(u.createdMs).toISOString()])));
  });
  user.command('passwd <address>').description('change a password (prompts unless --password)')
    .option('--password <pw>', 'the new password')
    .action(async (address: string, options: { password?: string }, cmd: Command) => {
      const password = await passwordFrom(options, `new password for ${address}`);
      print(cmd, await callAdmin(target(cmd), 'user.passwd', { address, password }), () => `password changed for ${address}\n`);
    });
  user.command('quota <address> <size>').description('set a storage quota (e.g. 2G; K, M, G, T are powers of 1024), or none to remove it; stored mail is never deleted')
    .action(async (address: string, size: string, _o: unknown, cmd: Command) => {
      const quotaBytes = size.toLowerCase() === 'none' ? null : parseByteSize(size);
      print(cmd, await callAdmin(target(cmd), 'user.quota', { address, quotaBytes }),
        () => `${quotaBytes === null ? 'no quota' : `quota ${bytes(quotaBytes)}`} for ${address}\n`);
    });
  user.command('remove <address>').description('remove a user and their mail').action(async (address: string, _o: unknown, cmd: Command) => {
    print(cmd, await callAdmin(target(cmd), 'user.remove', { address }), () => `removed user ${address}\n`);
  });

  const domain = program.command('domain').description('local mail domains');
  domain.command('add <domain>').description('serve mail for a domain').action(async (name: string, _o: unknown, cmd: Command) => {
    print(cmd, await callAdmin(target(cmd), 'domain.add', { domain: name }), () => `added domain ${name}\n`);
  });
  domain.command('list').description('list local domains').action(async (_o: unknown, cmd: Command) => {
    const domains = await callAdmin(target(cmd), 'domain.list') as Array<{ domain: string; users: number }>;
    print(cmd, domains, () => formatTable(['DOMAIN', 'USERS'], domains.map((d) => [d.domain, String(d.users)])));
  });
  domain.command('remove <domain>').description('stop serving a domain').action(async (name: string, _o: unknown, cmd: Command) => {
    print(cmd, await callAdmin(target(cmd), 'domain.remove', { domain: name }), () => `removed domain ${name}\n`);
  });

  const alias = program.command('alias').description('aliases: SOURCE is an address or @domain (catch-all)');
  alias.command('add <source> <target>').description('deliver mail for SOURCE to the local user TARGET').action(async (source: string, to: string, _o: unknown, cmd: Command) => {
    print(cmd, await callAdmin(target(cmd), 'alias.add', { source, target: to }), () => `added alias ${source} -> ${to}\n`);
  });
  alias.command('list').description('list aliases').action(async (_o: unknown, cmd: Command) => {
    const aliases = await callAdmin(target(cmd), 'alias.list') as Array<{ source: string; target: string }>;
    print(cmd, aliases, () => formatTable(['SOURCE', 'TARGET'], aliases.map((a) => [a.source, a.target])));
  });
  alias.command('remove <source> <target>').description('remove an alias').action(async (source: string, to: string, _o: unknown, cmd: Command) => {
    print(cmd, await callAdmin(target(cmd), 'alias.remove', { source, target: to }), () => `removed alias ${source} -> ${to}\n`);
  });

  program.command('status').description('is tandemd up, and what is it doing').action(async (_o: unknown, cmd: Command) => {
    const status = await callAdmin(target(cmd), 'status') as Record<string, unknown> & { listeners: Record<string, { host: string; port: number }> };
    print(cmd, status, () => formatTable(['KEY', 'VALUE'], Object.entries(status).map(([k, v]) => [k,
      k === 'listeners' ? Object.entries(status.listeners).map(([n, l]) => `${n} ${l.host}:${l.port}`).join(', ')
        : typeof v === 'object' && v !== null ? Object.entries(v).map(([a, b]) => `${a}=${String(b)}`).join(' ') : String(v)])));
  });
  program.command('export').description("a standard Maildir++ copy of the mail (flags in the file names, Dovecot's UID lists) under <data dir>/exports/")
    .option('--user <address>', 'only this user (repeat for more)', (value: string, previous: string[]) => [...previous, value], [] as string[])
    .action(async (options: { user: string[] }, cmd: Command) => {
      const done = await callAdmin(target(cmd), 'maildir.export', options.user.length > 0 ? { users: options.user } : {}) as
        { path: string; users: number; mailboxes: number; messages: number; vanished: number };
      print(cmd, done, () => [
        `exported ${done.messages} messages in ${done.mailboxes} mailboxes of ${done.users} users to ${done.path}`,
        ...(done.vanished > 0 ? [`(${done.vanished} expunged while the export ran are not in it)`] : []),
        "the files are hard links to the store's: copy the tree elsewhere (cp -a, rsync, tar) and remove it with rm -r; do not chmod, chown or edit it in place",
        '',
      ].join('\n'));
    });
  const tls = program.command('tls').description('the certificate SMTP and IMAP present');
  tls.command('reload').description('read tls.certFile/keyFile again (a renewal); a pair that does not load is refused and the old one stays')
    .action(async (_o: unknown, cmd: Command) => {
      const certificate = await callAdmin(target(cmd), 'tls.reload') as { subject: string; validTo: string; fingerprint256: string };
      print(cmd, certificate, () => `reloaded: ${certificate.subject}, valid to ${certificate.validTo}, SHA-256 ${certificate.fingerprint256}\n`);
    });
  registerQueueCommands(program, { target, print });
  registerReviewCommands(program, { target, print });
  registerArchiveCommands(program, { target, print });
  registerDkimCommands(program, { print });
  registerBackupCommands(program, { target, print });
  registerClusterCommands(program, { target, print });
  return program;
}
