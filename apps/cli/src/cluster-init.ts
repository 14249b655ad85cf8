import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generate } from 'selfsigned';
import { ConfigError, parseAddress, validateConfig, type DegradedPolicy, type LinkProtection, type MemberRole } from '@tandem/config';
import { CliError } from './admin-client.js';

/**
 * `tandem cluster init`: everything the two data nodes and the witness need, from a few arguments
 * (DESIGN §2), in `<out>/<id>/` per member, ready to copy to /etc/tandem/ on that host:
 *  - tandem.json (data) or witness.json (witness), validated here exactly as tandemd will;
 *  - cluster.secret: 32 random bytes (base64url), the same on every member (DESIGN §7);
 *  - data members: mail.crt / mail.key, one self-signed certificate for the service name and the
 *    VIP, the same on A and B (clients connect to the VIP; replace it with a real one, DESIGN §8).
 * Paths inside the configs are relative to the config file, so the directory can move as a whole.
 */
export interface InitMember { id: string; role: MemberRole; addresses: string[] }

export interface ClusterInitOptions {
  out: string;
  domains: string[];
  vip: string;
  interface: string;
  members: InitMember[];
  hostname?: string | undefined;
  raftPort: number;
  metricsPort: number;
  dataDir?: string | undefined;
  degradedPolicy: DegradedPolicy;
  /** Written into every member's config, so the choice is visible there (default "encrypt"). */
  linkProtection?: LinkProtection | undefined;
  /** Extra keys merged into each member's `cluster` section (tests: shorter timings, snapshots). */
  clusterExtra?: Record<string, unknown>;
  /** Extra top-level keys for the data members (tests: log level). */
  dataExtra?: Record<string, unknown>;
  hook?: string | undefined;
}

export interface ClusterInitResult { out: string; files: string[] }

/** "a=10.0.0.11,10.1.0.11" → { id: 'a', addresses: [...] } */
export function parseMemberSpec(spec: string, role: MemberRole): InitMember {
  const match = /^([a-z0-9][a-z0-9_-]{0,31})=(.+)$/.exec(spec);
  if (!match?.[1] || !match[2]) throw new CliError(`--${role === 'data' ? 'node' : 'witness'} ${JSON.stringify(spec)}: use ID=ADDRESS[,ADDRESS…], e.g. a=10.0.0.11,10.1.0.11`);
  return { id: match[1], role, addresses: match[2].split(',').map((a) => a.trim()).filter(Boolean) };
}

export async function clusterInit(options: ClusterInitOptions): Promise<ClusterInitResult> {
  const out = resolve(options.out);
  if (existsSync(out)) throw new CliError(`${out} exists; pick a new --out directory (nothing is overwritten: it would change the cluster secret)`);
  const data = options.members.filter((m) => m.role === 'data');
  if (data.length !== 2 || options.members.length !== 3) {
    throw new CliError(`a cluster is two data nodes and a witness (DESIGN §2): give --node twice and --witness once (got ${data.length} data, ${options.members.length - data.length} witness)`);
  }
  const domain = options.domains[0];
  if (domain === undefined) throw new CliError('--domain is required (the mail domain, e.g. example.com)');
  const hostname = options.hostname ?? `mail.${domain}`;
  const vipAddress = options.vip.split('/')[0] ?? options.vip;
  const members = options.members.map((m) => ({ id: m.id, role: m.role, addresses: m.addresses }));
  const secret = randomBytes(32).toString('base64url');
  const tls = await selfSignedCertificate(hostname, vipAddress);
  const files: string[] = [];
  const write = (path: string, text: string, mode: number): void => {
    writeFileSync(path, text, { mode, flag: 'wx' });
    chmodSync(path, mode);
    files.push(path);
  };
  const configs = options.members.map((m) => ({ member: m, config: memberConfig(options, m, members, hostname) }));
  // Every config is validated before anything is written: a bad argument leaves nothing behind.
  for (const { member, config } of configs) checkConfig(config, member);
  mkdirSync(out, { recursive: true, mode: 0o750 });
  for (const { member, config } of configs) {
    const dir = join(out, member.id);
    mkdirSync(dir, { mode: 0o750 });
    write(join(dir, 'cluster.secret'), `${secret}\n`, 0o640);
    if (member.role === 'data') {
      write(join(dir, 'mail.key'), tls.key, 0o640);
      write(join(dir, 'mail.crt'), tls.cert, 0o644);
    }
    write(join(dir, member.role === 'data' ? 'tandem.json' : 'witness.json'), `${JSON.stringify(config, null, 2)}\n`, 0o640);
  }
  return { out, files };
}

function memberConfig(options: ClusterInitOptions, m: InitMember, members: InitMember[], hostname: string): Record<string, unknown> {
  const first = parseAddress(m.addresses[0] ?? '', options.raftPort);
  const cluster: Record<string, unknown> = {
    nodeId: m.id,
    secretFile: 'cluster.secret',
    port: options.raftPort,
    members,
    degradedPolicy: options.degradedPolicy,
    linkProtection: options.linkProtection ?? 'encrypt',
    ...(m.role === 'data' ? { vip: { address: options.vip, interface: options.interface, ...(options.hook ? { hook: options.hook } : {}) } } : {}),
    ...options.clusterExtra,
  };
  // Metrics on loopback and on this member's first cluster address (other members ask there for
  // `tandem cluster status`); never on the VIP.
  const metrics = { port: options.metricsPort, listen: ['127.0.0.1', ...(first && first.host !== '127.0.0.1' ? [first.host] : [])] };
  if (m.role === 'witness') {
    return { dataDir: dataDirOf(options, m, '/var/lib/tandem-witness'), cluster, metrics, log: { level: 'info' } };
  }
  return {
    dataDir: dataDirOf(options, m, '/var/lib/tandem'),
    hostname,
    domains: options.domains,
    tls: { certFile: 'mail.crt', keyFile: 'mail.key' },
    cluster,
    metrics,
    log: { level: 'info' },
    ...options.dataExtra,
  };
}

/** --data-dir may hold "{id}" (members sharing one file system, e.g. network-namespace tests). */
function dataDirOf(options: ClusterInitOptions, m: InitMember, fallback: string): string {
  return (options.dataDir ?? fallback).replaceAll('{id}', m.id);
}

function checkConfig(config: Record<string, unknown>, member: InitMember): void {
  try {
    validateConfig(config, { dev: false, baseDir: '/etc/tandem', role: member.role });
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(`the config for ${member.id} would be invalid:\n${err.message}`);
    throw err;
  }
}

async function selfSignedCertificate(hostname: string, vip: string): Promise<{ cert: string; key: string }> {
  const notBeforeDate = new Date();
  const notAfterDate = new Date(notBeforeDate.getTime() + 825 * 24 * 3600 * 1000);
  const pems = await generate([{ name: 'commonName', value: hostname }], {
    keyType: 'ec', curve: 'P-256', algorithm: 'sha256', notBeforeDate, notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: hostname }, { type: 7, ip: vip }] },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
