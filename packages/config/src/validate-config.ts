import { isIP } from 'node:net';
import { hostname as osHostname } from 'node:os';
import { resolve } from 'node:path';
import { ConfigError } from './config-error.js';
import { Checker, describe, type Tree } from './config-checker.js';
import { limits } from './limits.js';
import type { MemberRole } from './cluster-config.js';
import { validateCluster } from './validate-cluster.js';
import { readOutbound } from './outbound-config.js';
import {
  devDefaults, logLevels, productionDefaults,
  type LogLevel, type MetricsConfig, type TandemConfig, type TlsConfig,
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
  /** --role given on the command line: must agree with this node's entry in cluster.members. */
  role?: MemberRole | undefined;
}

/** Linux sun_path is 108 bytes including the terminating NUL. */
const unixSocketPathBytesMax = 107;
const dnsNamePattern = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

export function validateConfig(raw: unknown, options: ValidateOptions): TandemConfig {
  const check = new Checker(options.keyLabels ?? new Map());
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError([{ key: '(top level)', problem: `must be a JSON object, got ${describe(raw)}` }]);
  }
  const tree = raw as Tree;
  check.unknownKeys(tree, '', ['dev', 'dataDir', 'hostname', 'listen', 'smtp', 'imap', 'tls', 'domains', 'admin', 'log', 'demoPassword', 'cluster', 'metrics', 'outbound']);

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

  const cluster = validateCluster(check, tree, options.baseDir, options.role);
  const role = cluster?.role ?? options.role ?? 'data';
  if (role === 'witness') refuseClientKeys(check, tree);
  const tls = role === 'witness' ? undefined : readTls(check, tree, options.baseDir, dev);
  const domains = role === 'witness' ? [] : readDomains(check, tree, dev);
  const metrics = readMetrics(check, tree);
  const outbound = role === 'witness' ? undefined : readOutbound(check, tree, options.baseDir);
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
    admin: { socketPath }, log: { level: level as LogLevel }, demoPassword, role, cluster, metrics, outbound,
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

/** A witness serves no clients (DESIGN §2): client-side keys in its config are a mistake worth naming. */
function refuseClientKeys(check: Checker, tree: Tree): void {
  for (const key of ['listen', 'smtp', 'imap', 'tls', 'domains', 'demoPassword', 'outbound']) {
    if (tree[key] !== undefined) check.fail(key, 'a witness serves no clients (DESIGN §2); remove this key from its config');
  }
}

function readMetrics(check: Checker, tree: Tree): MetricsConfig | undefined {
  if (tree.metrics === undefined) return undefined;
  const m = check.object(tree, 'metrics', 'metrics', ['port', 'listen']);
  const port = check.integer(m, 'port', 'metrics.port', 1, 65535, 0);
  if (m.port === undefined) check.fail('metrics.port', 'required, e.g. 9465');
  const value = m.listen ?? ['127.0.0.1'];
  if (!Array.isArray(value) || value.length === 0) {
    check.fail('metrics.listen', `must be a non-empty array of IP addresses, got ${describe(value)}`);
    return undefined;
  }
  const listen: string[] = [];
  value.forEach((item: unknown, i) => {
    if (typeof item !== 'string' || isIP(item) === 0) check.fail(`metrics.listen[${i}]`, `must be an IP address, got ${describe(item)}`);
    else if (!listen.includes(item)) listen.push(item);
  });
  return { port, listen };
}
