import { isIP } from 'node:net';
import { hostname as osHostname } from 'node:os';
import { resolve } from 'node:path';
import { ConfigError, type ConfigProblem } from './config-error.js';
import { limits } from './limits.js';
import {
  devDefaults, logLevels, productionDefaults,
  type LogLevel, type TandemConfig, type TlsConfig,
} from './tandem-config.js';

/**
 * Turns an untrusted, parsed config tree (JSON file plus command-line overrides) into a
 * TandemConfig, or throws one ConfigError listing every problem found, each naming its key.
 * Unknown keys are errors too: a misspelt key silently ignored is a production default
 * silently kept.
 */
export interface ValidateOptions {
  /** --dev given on the command line (the file may also say "dev": true). */
  dev: boolean;
  /** Relative paths in the tree resolve against this (the config file's directory, or the cwd). */
  baseDir: string;
  /** Keys set from the command line, labelled with their flag so errors name what the user typed. */
  keyLabels?: ReadonlyMap<string, string>;
}

/** Linux sun_path is 108 bytes including the terminating NUL. */
const unixSocketPathBytesMax = 107;
const dnsNamePattern = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

type Tree = Record<string, unknown>;

class Checker {
  readonly problems: ConfigProblem[] = [];
  constructor(private readonly labels: ReadonlyMap<string, string>) {}

  fail(key: string, problem: string): undefined {
    this.problems.push({ key: this.labels.get(key) ?? key, problem });
    return undefined;
  }

  /** An optional nested object; unknown keys in it are reported. */
  object(parent: Tree, key: string, path: string, known: readonly string[]): Tree {
    const value = parent[key];
    if (value === undefined) return {};
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(path, `must be an object, got ${describe(value)}`);
      return {};
    }
    this.unknownKeys(value as Tree, path, known);
    return value as Tree;
  }

  unknownKeys(tree: Tree, path: string, known: readonly string[]): void {
    for (const key of Object.keys(tree)) {
      if (!known.includes(key)) {
        const at = path ? `${path}.${key}` : key;
        this.fail(at, `unknown key (known keys${path ? ` of ${path}` : ''}: ${known.join(', ')})`);
      }
    }
  }

  integer(tree: Tree, key: string, path: string, min: number, max: number, fallback: number): number {
    const value = tree[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      return this.fail(path, `must be an integer ${min}–${max}, got ${describe(value)}`) ?? fallback;
    }
    return value;
  }

  string(tree: Tree, key: string, path: string, fallback: string): string;
  string(tree: Tree, key: string, path: string, fallback: undefined): string | undefined;
  string(tree: Tree, key: string, path: string, fallback: string | undefined): string | undefined {
    const value = tree[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || value.length === 0) {
      return this.fail(path, `must be a non-empty string, got ${describe(value)}`) ?? fallback;
    }
    return value;
  }

  boolean(tree: Tree, key: string, path: string, fallback: boolean): boolean {
    const value = tree[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') return this.fail(path, `must be true or false, got ${describe(value)}`) ?? fallback;
    return value;
  }
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return JSON.stringify(value) ?? String(value);
}

export function validateConfig(raw: unknown, options: ValidateOptions): TandemConfig {
  const check = new Checker(options.keyLabels ?? new Map());
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError([{ key: '(top level)', problem: `must be a JSON object, got ${describe(raw)}` }]);
  }
  const tree = raw as Tree;
  check.unknownKeys(tree, '', ['dev', 'dataDir', 'hostname', 'listen', 'smtp', 'imap', 'tls', 'domains', 'admin', 'log', 'demoPassword']);

  const dev = options.dev || check.boolean(tree, 'dev', 'dev', false);
  const defaults = dev ? devDefaults : productionDefaults;
  const dataDir = resolve(options.baseDir, check.string(tree, 'dataDir', 'dataDir', defaults.dataDir));

  const hostname = check.string(tree, 'hostname', 'hostname', dev ? 'localhost' : osHostname()).toLowerCase();
  if (!dnsNamePattern.test(hostname)) check.fail('hostname', `must be a DNS host name, got ${JSON.stringify(hostname)}`);
  const listenHost = check.string(tree, 'listen', 'listen', defaults.listenHost);
  if (isIP(listenHost) === 0) check.fail('listen', `must be an IPv4 or IPv6 address, got ${JSON.stringify(listenHost)}`);

  const smtpTree = check.object(tree, 'smtp', 'smtp', ['port', 'submissionPort', 'submissionsPort', 'messageSizeBytesMax']);
  const smtp = {
    port: check.integer(smtpTree, 'port', 'smtp.port', 1, 65535, defaults.smtpPort),
    submissionPort: check.integer(smtpTree, 'submissionPort', 'smtp.submissionPort', 1, 65535, defaults.submissionPort),
    submissionsPort: check.integer(smtpTree, 'submissionsPort', 'smtp.submissionsPort', 1, 65535, defaults.submissionsPort),
    messageSizeBytesMax: check.integer(smtpTree, 'messageSizeBytesMax', 'smtp.messageSizeBytesMax', 1024, limits.messageSizeBytesMax, limits.messageSizeBytesMax),
  };
  const imapTree = check.object(tree, 'imap', 'imap', ['port', 'imapsPort']);
  const imap = {
    port: check.integer(imapTree, 'port', 'imap.port', 1, 65535, defaults.imapPort),
    imapsPort: check.integer(imapTree, 'imapsPort', 'imap.imapsPort', 1, 65535, defaults.imapsPort),
  };
  checkDistinctPorts(check, [
    ['smtp.port', smtp.port], ['smtp.submissionPort', smtp.submissionPort], ['smtp.submissionsPort', smtp.submissionsPort],
    ['imap.port', imap.port], ['imap.imapsPort', imap.imapsPort],
  ]);

  const tls = readTls(check, tree, options.baseDir, dev);
  const domains = readDomains(check, tree, dev);
  const adminTree = check.object(tree, 'admin', 'admin', ['socketPath']);
  const socketPath = resolve(options.baseDir, check.string(adminTree, 'socketPath', 'admin.socketPath', resolve(dataDir, 'admin.sock')));
  if (Buffer.byteLength(socketPath) > unixSocketPathBytesMax) {
    check.fail(adminTree.socketPath === undefined ? 'dataDir' : 'admin.socketPath',
      `the admin socket path ${JSON.stringify(socketPath)} is longer than ${unixSocketPathBytesMax} bytes (a Unix socket limit); use a shorter dataDir or set admin.socketPath`);
  }
  const logTree = check.object(tree, 'log', 'log', ['level']);
  const level = check.string(logTree, 'level', 'log.level', 'info');
  if (!logLevels.includes(level as LogLevel)) check.fail('log.level', `must be one of ${logLevels.join(', ')}, got ${JSON.stringify(level)}`);

  const demoPassword = check.string(tree, 'demoPassword', 'demoPassword', undefined);
  if (demoPassword !== undefined && !dev) check.fail('demoPassword', 'only used in dev mode (--dev); create users with `tandem user add`');

  if (check.problems.length > 0) throw new ConfigError(check.problems);
  return {
    dev, dataDir, hostname, listenHost, smtp, imap, tls, domains,
    admin: { socketPath }, log: { level: level as LogLevel }, demoPassword,
  };
}

function checkDistinctPorts(check: Checker, ports: Array<[string, number]>): void {
  const seen = new Map<number, string>();
  for (const [key, port] of ports) {
    const other = seen.get(port);
    if (other !== undefined) check.fail(key, `must differ from ${other} (both are ${port})`);
    else seen.set(port, key);
  }
}

function readTls(check: Checker, tree: Tree, baseDir: string, dev: boolean): TlsConfig | undefined {
  if (tree.tls === undefined) {
    if (!dev) check.fail('tls', 'required outside dev mode: { "certFile": "/path/cert.pem", "keyFile": "/path/key.pem" }');
    return undefined;
  }
  const tlsTree = check.object(tree, 'tls', 'tls', ['certFile', 'keyFile']);
  const certFile = check.string(tlsTree, 'certFile', 'tls.certFile', undefined);
  const keyFile = check.string(tlsTree, 'keyFile', 'tls.keyFile', undefined);
  if (certFile === undefined && tlsTree.certFile === undefined) check.fail('tls.certFile', 'required (path of the PEM certificate chain)');
  if (keyFile === undefined && tlsTree.keyFile === undefined) check.fail('tls.keyFile', 'required (path of the PEM private key)');
  if (certFile === undefined || keyFile === undefined) return undefined;
  return { certFile: resolve(baseDir, certFile), keyFile: resolve(baseDir, keyFile) };
}

function readDomains(check: Checker, tree: Tree, dev: boolean): string[] {
  const value = tree.domains;
  if (value === undefined) return dev ? ['example.test'] : [];
  if (!Array.isArray(value)) return check.fail('domains', `must be an array of domain names, got ${describe(value)}`) ?? [];
  const domains: string[] = [];
  value.forEach((item, i) => {
    if (typeof item !== 'string' || !dnsNamePattern.test(item) || !item.includes('.')) {
      check.fail(`domains[${i}]`, `must be a domain name like "example.com", got ${describe(item)}`);
    } else if (!domains.includes(item.toLowerCase())) {
      domains.push(item.toLowerCase());
    }
  });
  return domains;
}
