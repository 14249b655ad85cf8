import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { describe, type Checker, type Tree } from './config-checker.js';
import {
  clusterDefaults, degradedPolicies, linkProtections, memberRoles,
  type ClusterAddress, type ClusterConfig, type ClusterMember, type ClusterTiming, type DegradedPolicy, type LinkProtection, type MemberRole,
  type VipConfig,
} from './cluster-config.js';

/**
 * Reads the `cluster` section (see cluster-config.ts). The rules checked here are the ones that
 * would otherwise surface as a cluster that never elects a leader, or worse, one that can have two:
 * ids unique, this node among the members, two voters refused (DESIGN §2), lease shorter than the
 * election timeout (DESIGN §4), a VIP for every multi-member cluster with data nodes.
 */
const memberIdPattern = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const hostPattern = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const interfacePattern = /^[A-Za-z0-9_.-]{1,15}$/;
/** The VIP guard refuses leases below this (packages/cluster vipGuardLimits.leaseMsMin). */
const leaseMsMin = 200;
const membersMax = 9;

export const clusterKeys = [
  'nodeId', 'port', 'secretFile', 'members', 'vip', 'degradedPolicy', 'linkProtection', 'tickMs', 'electionTimeoutMs',
  'heartbeatIntervalMs', 'leaseMs', 'witnessElectionTimeoutMs', 'previousLeaseWaitMs', 'proposeTimeoutMs',
  'dataPeerDownMs', 'snapshotIntervalEntries', 'join',
] as const;

export function validateCluster(check: Checker, tree: Tree, baseDir: string, roleFlag: MemberRole | undefined): ClusterConfig | undefined {
  if (tree.cluster === undefined) {
    if (roleFlag === 'witness') check.fail('--role', 'a witness needs a "cluster" section (it only exists as a member of a cluster)');
    return undefined;
  }
  const c = check.object(tree, 'cluster', 'cluster', clusterKeys);
  const port = check.integer(c, 'port', 'cluster.port', 1, 65535, clusterDefaults.port);
  const nodeId = check.string(c, 'nodeId', 'cluster.nodeId', undefined);
  if (nodeId === undefined && c.nodeId === undefined) check.fail('cluster.nodeId', 'required: the id of this member in cluster.members');
  const secretFile = check.string(c, 'secretFile', 'cluster.secretFile', undefined);
  if (secretFile === undefined && c.secretFile === undefined) check.fail('cluster.secretFile', 'required: a file holding the cluster secret (tandem cluster init writes one)');
  const members = readMembers(check, c, port);
  const self = members.find((m) => m.id === nodeId);
  if (nodeId !== undefined && members.length > 0 && self === undefined) {
    check.fail('cluster.nodeId', `${JSON.stringify(nodeId)} is not among cluster.members (${members.map((m) => m.id).join(', ')})`);
  }
  const role: MemberRole = self?.role ?? roleFlag ?? 'data';
  if (self !== undefined && roleFlag !== undefined && roleFlag !== self.role) {
    check.fail('--role', `this node (${self.id}) is a ${self.role} member in cluster.members, but --role says ${roleFlag}`);
  }
  if (self !== undefined && new Set(self.addresses.map((a) => a.port)).size > 1) {
    check.fail('cluster.members', `this node's addresses must share one port (it listens on all of them): ${self.addresses.map(formatAddress).join(', ')}`);
  }
  const vip = readVip(check, c);
  if (role === 'witness' && vip !== undefined) check.fail('cluster.vip', 'a witness never holds the VIP (DESIGN §2); remove cluster.vip from its config');
  const dataMembers = members.filter((m) => m.role === 'data').length;
  if (role === 'data' && vip === undefined && dataMembers > 1 && c.vip === undefined) {
    check.fail('cluster.vip', 'required with two data members: { "address": "10.0.0.100/24", "interface": "eth0" } (the leader holds it), '
      + 'or false when something else steers clients to the leader (a load balancer; loopback tests)');
  }
  const policy = check.string(c, 'degradedPolicy', 'cluster.degradedPolicy', clusterDefaults.degradedPolicy);
  if (!degradedPolicies.includes(policy as DegradedPolicy)) {
    check.fail('cluster.degradedPolicy', `must be one of ${degradedPolicies.join(', ')}, got ${JSON.stringify(policy)}`);
  }
  const linkProtection = check.string(c, 'linkProtection', 'cluster.linkProtection', clusterDefaults.linkProtection);
  if (!linkProtections.includes(linkProtection as LinkProtection)) {
    check.fail('cluster.linkProtection', `must be "encrypt" (the default: frames between members encrypted and authenticated) or "authenticate" `
      + `(authenticated only, mail in the clear: for a private network or WireGuard/IPsec), got ${JSON.stringify(linkProtection)}; `
      + 'the same on every member');
  }
  const timing = readTiming(check, c);
  const snapshotIntervalEntries = check.integer(c, 'snapshotIntervalEntries', 'cluster.snapshotIntervalEntries', 0, 1e9, clusterDefaults.snapshotIntervalEntries);
  const join = check.boolean(c, 'join', 'cluster.join', false);
  if (nodeId === undefined || secretFile === undefined) return undefined;
  return {
    nodeId, role, members, port, secretFile: resolve(baseDir, secretFile), vip,
    degradedPolicy: policy as DegradedPolicy, linkProtection: linkProtection as LinkProtection, timing, snapshotIntervalEntries, join,
  };
}

function readMembers(check: Checker, c: Tree, defaultPort: number): ClusterMember[] {
  const value = c.members;
  if (value === undefined) {
    check.fail('cluster.members', 'required: [{ "id": "a", "role": "data", "addresses": ["10.0.0.11"] }, …]');
    return [];
  }
  if (!Array.isArray(value)) return check.fail('cluster.members', `must be an array of members, got ${describe(value)}`) ?? [];
  if (value.length === 0 || value.length > membersMax) {
    return check.fail('cluster.members', `must list 1–${membersMax} members, got ${value.length}`) ?? [];
  }
  const members: ClusterMember[] = [];
  value.forEach((item: unknown, i) => {
    const path = `cluster.members[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      check.fail(path, `must be an object { "id", "role", "addresses" }, got ${describe(item)}`);
      return;
    }
    const m = item as Tree;
    check.unknownKeys(m, path, ['id', 'role', 'addresses']);
    const id = check.string(m, 'id', `${path}.id`, undefined);
    if (id === undefined) {
      if (m.id === undefined) check.fail(`${path}.id`, 'required (a short name like "a")');
      return;
    }
    if (!memberIdPattern.test(id)) check.fail(`${path}.id`, `must be 1–32 of a-z, 0-9, "-", "_" (starting with a letter or digit), got ${JSON.stringify(id)}`);
    if (members.some((other) => other.id === id)) check.fail(`${path}.id`, `${JSON.stringify(id)} is listed twice`);
    const role = check.string(m, 'role', `${path}.role`, 'data');
    if (!memberRoles.includes(role as MemberRole)) check.fail(`${path}.role`, `must be one of ${memberRoles.join(', ')}, got ${JSON.stringify(role)}`);
    members.push({ id, role: role as MemberRole, addresses: readAddresses(check, m, `${path}.addresses`, defaultPort) });
  });
  if (members.length === 2) {
    check.fail('cluster.members', 'two members cannot elect a leader once either is down (DESIGN §2); add a witness as the third');
  }
  if (members.length > 0 && !members.some((m) => m.role === 'data')) check.fail('cluster.members', 'needs at least one data member');
  return members;
}

function readAddresses(check: Checker, m: Tree, path: string, defaultPort: number): ClusterAddress[] {
  const value = m.addresses;
  if (!Array.isArray(value) || value.length === 0) {
    return check.fail(path, `must be a non-empty array like ["10.0.0.11", "10.1.0.11:7400"], got ${describe(value)}`) ?? [];
  }
  const addresses: ClusterAddress[] = [];
  value.forEach((item: unknown, i) => {
    const parsed = typeof item === 'string' ? parseAddress(item, defaultPort) : undefined;
    if (parsed === undefined) check.fail(`${path}[${i}]`, `must be "HOST" or "HOST:PORT" (IPv6 as "[::1]:7400"), got ${describe(item)}`);
    else addresses.push(parsed);
  });
  return addresses;
}

/** "10.0.0.11", "10.0.0.11:7400", "node-a.example.com", "[fd00::1]:7400". */
export function parseAddress(text: string, defaultPort: number): ClusterAddress | undefined {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  const plain = /^([^:[\]]+)(?::(\d{1,5}))?$/.exec(text);
  const match = bracketed ?? plain;
  if (!match?.[1]) return undefined;
  const host = match[1];
  if (bracketed && isIP(host) !== 6) return undefined;
  if (!bracketed && isIP(host) === 0 && !hostPattern.test(host)) return undefined;
  const port = match[2] === undefined ? defaultPort : Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host, port };
}

export function formatAddress(a: ClusterAddress): string {
  return isIP(a.host) === 6 ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

function readVip(check: Checker, c: Tree): VipConfig | undefined {
  // false: no VIP; the leader opens its listeners on `listen` (see cluster-config.ts).
  if (c.vip === undefined || c.vip === false) return undefined;
  const v = check.object(c, 'vip', 'cluster.vip', ['address', 'interface', 'hook']);
  const text = check.string(v, 'address', 'cluster.vip.address', undefined);
  const dev = check.string(v, 'interface', 'cluster.vip.interface', undefined);
  const hook = check.string(v, 'hook', 'cluster.vip.hook', undefined);
  if (text === undefined && v.address === undefined) check.fail('cluster.vip.address', 'required, e.g. "10.0.0.100/24"');
  if (dev === undefined && v.interface === undefined) check.fail('cluster.vip.interface', 'required, e.g. "eth0"');
  if (dev !== undefined && !interfacePattern.test(dev)) check.fail('cluster.vip.interface', `must be an interface name like "eth0", got ${JSON.stringify(dev)}`);
  if (text === undefined || dev === undefined) return undefined;
  const match = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(text);
  const prefixLength = Number(match?.[2]);
  if (!match?.[1] || isIP(match[1]) !== 4 || prefixLength < 8 || prefixLength > 32) {
    check.fail('cluster.vip.address', `must be an IPv4 address with its prefix, like "10.0.0.100/24", got ${JSON.stringify(text)}`);
    return undefined;
  }
  return { address: match[1], prefixLength, cidr: `${match[1]}/${prefixLength}`, interface: dev, hook };
}

function readTiming(check: Checker, c: Tree): ClusterTiming {
  const ms = (key: keyof ClusterTiming, min: number, max: number, fallback: number): number =>
    check.integer(c, key, `cluster.${key}`, min, max, fallback);
  const tickMs = ms('tickMs', 1, 1000, clusterDefaults.tickMs);
  const electionTimeoutMs = ms('electionTimeoutMs', 20, 60_000, clusterDefaults.electionTimeoutMs);
  const heartbeatIntervalMs = ms('heartbeatIntervalMs', 1, 30_000, clusterDefaults.heartbeatIntervalMs);
  const leaseMs = ms('leaseMs', leaseMsMin, 60_000, Math.max(leaseMsMin, Math.round(electionTimeoutMs * clusterDefaults.leaseFraction)));
  const witnessElectionTimeoutMs = ms('witnessElectionTimeoutMs', 20, 120_000, 2 * electionTimeoutMs);
  const timing: ClusterTiming = {
    tickMs, electionTimeoutMs, heartbeatIntervalMs, leaseMs, witnessElectionTimeoutMs,
    previousLeaseWaitMs: ms('previousLeaseWaitMs', 0, 60_000, clusterDefaults.previousLeaseWaitMs),
    proposeTimeoutMs: ms('proposeTimeoutMs', 100, 600_000, clusterDefaults.proposeTimeoutMs),
    dataPeerDownMs: ms('dataPeerDownMs', 10, 600_000, electionTimeoutMs),
  };
  // Each rule below, broken, is a cluster that cannot keep a leader or may have two (Raft §5.2, DESIGN §4).
  if (heartbeatIntervalMs < tickMs) check.fail('cluster.heartbeatIntervalMs', `must be at least cluster.tickMs (${tickMs})`);
  if (heartbeatIntervalMs >= electionTimeoutMs) check.fail('cluster.heartbeatIntervalMs', `must be less than cluster.electionTimeoutMs (${electionTimeoutMs})`);
  if (leaseMs >= electionTimeoutMs) {
    check.fail('cluster.leaseMs', `must be less than cluster.electionTimeoutMs (${electionTimeoutMs}): a lease that outlives the election timeout lets two leaders serve at once`);
  }
  if (witnessElectionTimeoutMs <= electionTimeoutMs) {
    check.fail('cluster.witnessElectionTimeoutMs', `must be more than cluster.electionTimeoutMs (${electionTimeoutMs}) so a data node normally wins`);
  }
  if (tickMs > heartbeatIntervalMs || electionTimeoutMs < 2 * tickMs) check.fail('cluster.tickMs', 'must be well below the heartbeat interval and election timeout');
  return timing;
}
