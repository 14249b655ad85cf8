import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { ConfigError, loadConfig, type ConfigOverride } from '@tandem/config';
import { formatConnectionDetails } from './connection-details.js';
import { TandemDaemon } from './tandem-daemon.js';

/**
 * tandemd: parses the command line, loads and validates the config (a bad one is named key by key,
 * exit status 2), starts the daemon, prints the connection details, and shuts down gracefully on
 * SIGTERM/SIGINT (a second signal exits at once).
 */
const usage = `usage: tandemd [--config FILE] [--dev] [overrides]

  --config FILE            JSON config (see docs/configuration.md); required without --dev
  --dev                    dev mode: one node on 127.0.0.1, data in ./.tandem, self-signed TLS, demo user
  --data-dir DIR           overrides dataDir
  --smtp-port N            overrides smtp.port (MX)
  --submission-port N      overrides smtp.submissionPort (STARTTLS)
  --submissions-port N     overrides smtp.submissionsPort (implicit TLS)
  --imap-port N            overrides imap.port (reserved)
  --imaps-port N           overrides imap.imapsPort (reserved)
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

function parseCommandLine(argv: string[]): { file: string | undefined; dev: boolean; overrides: ConfigOverride[] } {
  const options: Record<string, { type: 'string' | 'boolean' }> = { config: { type: 'string' }, dev: { type: 'boolean' }, help: { type: 'boolean' } };
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
  return { file, dev: values.dev === true, overrides };
}

function resolvePath(value: string): string {
  return value.startsWith('/') ? value : `${process.cwd()}/${value}`;
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parseCommandLine>;
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
    config = loadConfig({ file: parsed.file, dev: parsed.dev, overrides: parsed.overrides, cwd: process.cwd() });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\ntandemd: not started: fix the configuration above.\n`);
    process.exit(2);
  }
  const logger = pino({ level: config.log.level, base: { pid: process.pid } }, pino.destination(2));
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
      process.exit(0);
    });
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  const daemon = await starting;
  if (signals === 0) {
    process.stdout.write(formatConnectionDetails(daemon.details));
    logger.info({ listeners: daemon.details.listeners }, 'tandemd ready');
  }
}

await main();
