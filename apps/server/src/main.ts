import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { ConfigError, loadConfig, memberRoles, type ConfigOverride, type MemberRole } from '@tandem/config';
import { formatConnectionDetails } from './connection-details.js';
import { TandemDaemon } from './tandem-daemon.js';

/**
 * tandemd: parses the command line, loads and validates the config (a bad one is named key by key,
 * exit status 2), starts the daemon, prints the connection details, shuts down gracefully on
 * SIGTERM/SIGINT (a second signal exits at once) and reloads the TLS certificate on SIGHUP.
 */
const usage = `usage: tandemd [--config FILE] [--dev] [--role data|witness] [overrides]

  --config FILE            JSON config (see docs/configuration.md); required without --dev
  --dev                    dev mode: one node on 127.0.0.1, data in ./.tandem, self-signed TLS, demo user
  --role data|witness      this member's role; must match its entry in cluster.members (DESIGN §2)
  --data-dir DIR           overrides dataDir
  --smtp-port N            overrides smtp.port (MX)
  --submission-port N      overrides smtp.submissionPort (STARTTLS)
  --submissions-port N     overrides smtp.submissionsPort (implicit TLS)
  --imap-port N            overrides imap.port (STARTTLS)
  --imaps-port N           overrides imap.imapsPort (implicit TLS)
  --demo-password PW       dev mode: the demo user's password
`;

const flagKeys: Array<[flag: string, key: string, kind: 'path' | 'port' | 'text']> = [
  ['data-dir', 'dataDir', 'path'],
  ['smtp-port', 'smtp.port', 'port'],
  ['submission-port', 'smtp.submissionPort', 'port'],
  ['submissions-port', 'smtp.submissionsPort', 'port'],
  ['imap-port', 'imap.port', 'port'],
  ['imaps-port', 'imap.imapsPort', 'port'],
  ['demo-password', 'demoPassword', 'text'],
];

interface CommandLine { file: string | undefined; dev: boolean; role: MemberRole | undefined; overrides: ConfigOverride[] }

function parseCommandLine(argv: string[]): CommandLine {
  const options: Record<string, { type: 'string' | 'boolean' }> = { config: { type: 'string' }, dev: { type: 'boolean' }, help: { type: 'boolean' }, role: { type: 'string' } };
  for (const [flag] of flagKeys) options[flag] = { type: 'string' };
  const { values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  if (values.help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  const overrides: ConfigOverride[] = [];
  for (const [flag, key, kind] of flagKeys) {
    const value = values[flag];
    if (typeof value !== 'string') continue;
    // A port flag that is all digits becomes a number; anything else reaches the validator as
    // text, so the error quotes exactly what was typed.
    const parsed = kind === 'port' && /^\d{1,6}$/.test(value) ? Number(value) : kind === 'path' ? resolvePath(value) : value;
    overrides.push({ key, value: parsed, label: `--${flag}` });
  }
  const file = typeof values.config === 'string' ? values.config : undefined;
  const role = values.role;
  if (role !== undefined && !memberRoles.includes(role as MemberRole)) {
    throw new Error(`--role must be one of ${memberRoles.join(', ')}, got ${JSON.stringify(role)}`);
  }
  return { file, dev: values.dev === true, role: role as MemberRole | undefined, overrides };
}

function resolvePath(value: string): string {
  return value.startsWith('/') ? value : `${process.cwd()}/${value}`;
}

async function main(): Promise<void> {
  let parsed: CommandLine;
  try {
    parsed = parseCommandLine(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`tandemd: ${(err as Error).message}\n\n${usage}`);
    process.exit(2);
  }
  if (!parsed.dev && parsed.file === undefined) {
    process.stderr.write('tandemd: no --config FILE given. For a local trial run `npm start` (dev mode: tandemd --dev).\n');
    process.exit(2);
  }
  let config;
  try {
    config = loadConfig({ file: parsed.file, dev: parsed.dev, role: parsed.role, overrides: parsed.overrides, cwd: process.cwd() });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\ntandemd: not started: fix the configuration above.\n`);
    process.exit(2);
  }
  // Synchronous writes: log lines and the lines for people on stderr keep their order, and nothing
  // logged before a crash is lost (info level writes one line per SMTP transaction, the mail log:
  // one write(2) each, a few microseconds beside the delivery's own work).
  const logDestination = pino.destination({ dest: 2, sync: true });
  const logger = pino({ level: config.log.level, base: { pid: process.pid } }, logDestination);
  const starting = TandemDaemon.start(config, logger).catch((err: unknown) => {
    logger.fatal({ err }, 'tandemd failed to start');
    process.stderr.write(`tandemd: failed to start: ${(err as Error).message}\n`);
    process.exit(1);
  });

  // Installed before anything is printed, so a signal that follows the printed details is never
  // met by the default action (an ungraceful exit); one during startup stops once started.
  let signals = 0;
  const shutdown = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    logger.info({ signal }, 'shutting down');
    void starting.then((daemon) => daemon.stop(logger)).then(() => {
      logger.info('stopped');
      // A restart asked for by the daemon itself (force-single) keeps its exit status.
      process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    });
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  // SIGHUP (systemctl reload): the certificate and key are read again, as Postfix and Dovecot do on
  // a reload; never the default action, which would end the process. One during startup waits.
  // Except under `npm start` in a terminal: there SIGHUP means the terminal closed, and a daemon
  // left behind it would hold the ports until it next wrote to it; it stops instead (and
  // `tandem tls reload` still reloads).
  const hangupStops = config.dev && process.stdout.isTTY === true;
  process.on('SIGHUP', () => {
    if (hangupStops) {
      shutdown('SIGHUP');
      return;
    }
    void starting.then((daemon) => {
      if (signals > 0) return;
      try {
        if (daemon.reloadTls() === undefined) logger.info('SIGHUP: nothing to reload (a witness serves no clients)');
      } catch {
        // Logged by the reload itself, with the reason; the listeners keep the pair they had.
      }
    });
  });

  const daemon = await starting;
  if (signals === 0) {
    process.stdout.write(formatConnectionDetails(daemon.details));
    logger.info({ kind: daemon.details.kind, node: daemon.details.nodeId, listeners: daemon.details.listeners }, 'tandemd ready');
  }
}

await main();
