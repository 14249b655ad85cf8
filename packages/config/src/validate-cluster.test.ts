// Goal: the cluster section yields the documented defaults, and every way to misconfigure a cluster is named by key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from './config-error.js';
import { validateConfig } from './validate-config.js';
import type { MemberRole } from './cluster-config.js';
import { parseAddress } from './validate-cluster.js';

const tls = { certFile: '/c.pem', keyFile: '/k.pem' };
const members = [
  { id: 'a', role: 'data', addresses: ['10.0.0.11', '10.1.0.11'] },
  { id: 'b', role: 'data', addresses: ['10.0.0.12:7500', '10.1.0.12:7500'] },
  { id: 'w', role: 'witness', addresses: ['10.0.0.13'] },
];
const vip = { address: '10.0.0.100/24', interface: 'eth0' };

function nodeConfig(cluster: Record<string, unknown>, extra: Record<string, unknown> = { tls }): Record<string, unknown> {
  return { ...extra, cluster: { nodeId: 'a', secretFile: 'cluster.secret', members, vip, ...cluster } };
}

function problemsOf(raw: unknown, role?: MemberRole): string[] {
  try {
    validateConfig(raw, { baseDir: '/etc/tandem', dev: false, role });
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.message.split('\n');
  }
  assert.fail('expected a ConfigError');
}

test('a data member: defaults for port, policy, timings; addresses get the default port; paths resolve against the config', () => {
  const config = validateConfig(nodeConfig({}), { baseDir: '/etc/tandem', dev: false, role: 'data' });
  assert.equal(config.role, 'data');
  const cluster = config.cluster!;
  assert.equal(cluster.nodeId, 'a');
  assert.equal(cluster.secretFile, '/etc/tandem/cluster.secret');
  assert.deepEqual(cluster.members[0]!.addresses, [{ host: '10.0.0.11', port: 7400 }, { host: '10.1.0.11', port: 7400 }]);
  assert.deepEqual(cluster.members[1]!.addresses, [{ host: '10.0.0.12', port: 7500 }, { host: '10.1.0.12', port: 7500 }]);
  assert.deepEqual(cluster.vip, { address: '10.0.0.100', prefixLength: 24, cidr: '10.0.0.100/24', interface: 'eth0', hook: undefined });
  assert.equal(cluster.degradedPolicy, 'accept');
  assert.equal(cluster.linkProtection, 'encrypt', 'encrypted links unless asked otherwise');
  assert.equal(cluster.join, false, 'a member founds the cluster unless told to join one');
  assert.deepEqual(cluster.timing, {
    tickMs: 10, electionTimeoutMs: 1000, heartbeatIntervalMs: 100, leaseMs: 800, witnessElectionTimeoutMs: 2000,
    previousLeaseWaitMs: 100, proposeTimeoutMs: 10_000, dataPeerDownMs: 1000,
  });
  assert.equal(config.metrics, undefined);
});

test('a witness: no TLS needed, role from its member entry, client keys and a VIP refused', () => {
  const config = validateConfig(nodeConfig({ nodeId: 'w', vip: undefined }, {}), { baseDir: '/', dev: false });
  assert.equal(config.role, 'witness');
  assert.equal(config.tls, undefined);
  assert.deepEqual(problemsOf(nodeConfig({ nodeId: 'w' }, { tls, domains: ['example.com'] })), [
    'config: cluster.vip: a witness never holds the VIP (DESIGN §2); remove cluster.vip from its config',
    'config: tls: a witness serves no clients (DESIGN §2); remove this key from its config',
    'config: domains: a witness serves no clients (DESIGN §2); remove this key from its config',
  ]);
});

test('--role must agree with the member entry; a witness without a cluster is refused', () => {
  assert.deepEqual(problemsOf(nodeConfig({}), 'witness'), ['config: --role: this node (a) is a data member in cluster.members, but --role says witness']);
  assert.deepEqual(problemsOf({}, 'witness'), ['config: --role: a witness needs a "cluster" section (it only exists as a member of a cluster)']);
});

test('membership mistakes: unknown node, duplicate ids, two voters, no data member, bad addresses', () => {
  assert.deepEqual(problemsOf(nodeConfig({ nodeId: 'c' })), ['config: cluster.nodeId: "c" is not among cluster.members (a, b, w)']);
  assert.deepEqual(problemsOf(nodeConfig({ members: [members[0], members[0], members[2]] })), ['config: cluster.members[1].id: "a" is listed twice']);
  assert.deepEqual(problemsOf(nodeConfig({ members: [members[0], members[1]] })),
    ['config: cluster.members: two members cannot elect a leader once either is down (DESIGN §2); add a witness as the third']);
  assert.deepEqual(problemsOf(nodeConfig({ nodeId: 'w', vip: undefined, members: [members[2]] }, {})), ['config: cluster.members: needs at least one data member']);
  assert.deepEqual(problemsOf(nodeConfig({ members: [{ id: 'a', role: 'boss', addresses: ['no such host!', '10.0.0.1:99999'] }, members[1], members[2]] })), [
    'config: cluster.members[0].role: must be one of data, witness, got "boss"',
    'config: cluster.members[0].addresses[0]: must be "HOST" or "HOST:PORT" (IPv6 as "[::1]:7400"), got "no such host!"',
    'config: cluster.members[0].addresses[1]: must be "HOST" or "HOST:PORT" (IPv6 as "[::1]:7400"), got "10.0.0.1:99999"',
  ]);
  assert.deepEqual(problemsOf(nodeConfig({ members: [{ id: 'a', addresses: ['10.0.0.11:1', '10.1.0.11:2'] }, members[1], members[2]] })),
    ['config: cluster.members: this node\'s addresses must share one port (it listens on all of them): 10.0.0.11:1, 10.1.0.11:2']);
});

test('required keys and the VIP: named with an example', () => {
  assert.deepEqual(problemsOf({ tls, cluster: { members } }), [
    'config: cluster.nodeId: required: the id of this member in cluster.members',
    'config: cluster.secretFile: required: a file holding the cluster secret (tandem cluster init writes one)',
    'config: cluster.vip: required with two data members: { "address": "10.0.0.100/24", "interface": "eth0" } (the leader holds it), '
      + 'or false when something else steers clients to the leader (a load balancer; loopback tests)',
  ]);
  assert.deepEqual(problemsOf(nodeConfig({ vip: undefined })),
    ['config: cluster.vip: required with two data members: { "address": "10.0.0.100/24", "interface": "eth0" } (the leader holds it), '
      + 'or false when something else steers clients to the leader (a load balancer; loopback tests)']);
  assert.equal(validateConfig(nodeConfig({ vip: false }), { baseDir: '/', dev: false }).cluster?.vip, undefined);
  assert.deepEqual(problemsOf(nodeConfig({ vip: { address: '10.0.0.100', interface: 'a very long interface' } })), [
    'config: cluster.vip.interface: must be an interface name like "eth0", got "a very long interface"',
    'config: cluster.vip.address: must be an IPv4 address with its prefix, like "10.0.0.100/24", got "10.0.0.100"',
  ]);
  assert.deepEqual(problemsOf(nodeConfig({ degradedPolicy: 'maybe', vip: { ...vip, port: 1 } })), [
    'config: cluster.vip.port: unknown key (known keys of cluster.vip: address, interface, hook)',
    'config: cluster.degradedPolicy: must be one of accept, refuse, got "maybe"',
  ]);
});

test('linkProtection: "encrypt" or "authenticate"; anything else is named by key', () => {
  for (const value of ['encrypt', 'authenticate'] as const) {
    assert.equal(validateConfig(nodeConfig({ linkProtection: value }), { baseDir: '/', dev: false }).cluster?.linkProtection, value);
  }
  const expected = (got: string): string => 'config: cluster.linkProtection: must be "encrypt" (the default: frames between members encrypted and '
    + 'authenticated) or "authenticate" (authenticated only, mail in the clear: for a private network or WireGuard/IPsec), '
    + `got ${got}; the same on every member`;
  assert.deepEqual(problemsOf(nodeConfig({ linkProtection: 'none' })), [expected('"none"')]);
  assert.deepEqual(problemsOf(nodeConfig({ linkProtection: 'Encrypt' })), [expected('"Encrypt"')]);
  assert.deepEqual(problemsOf(nodeConfig({ linkProtection: false })), ['config: cluster.linkProtection: must be a non-empty string, got false']);
});

test('timings that could elect two leaders or none are refused', () => {
  assert.deepEqual(problemsOf(nodeConfig({ electionTimeoutMs: 500, leaseMs: 600 })),
    ['config: cluster.leaseMs: must be less than cluster.electionTimeoutMs (500): a lease that outlives the election timeout lets two leaders serve at once']);
  assert.deepEqual(problemsOf(nodeConfig({ electionTimeoutMs: 500, heartbeatIntervalMs: 500, witnessElectionTimeoutMs: 400 })), [
    'config: cluster.heartbeatIntervalMs: must be less than cluster.electionTimeoutMs (500)',
    'config: cluster.witnessElectionTimeoutMs: must be more than cluster.electionTimeoutMs (500) so a data node normally wins',
  ]);
  assert.deepEqual(problemsOf(nodeConfig({ leaseMs: 100 })), ['config: cluster.leaseMs: must be an integer 200–60000, got 100']);
});

test('metrics: a port on loopback by default; addresses must be IPs', () => {
  assert.deepEqual(validateConfig({ metrics: { port: 9465 } }, { baseDir: '/', dev: true }).metrics, { port: 9465, listen: ['127.0.0.1'] });
  assert.deepEqual(problemsOf({ tls, metrics: { listen: ['localhost'] } }), [
    'config: metrics.port: required, e.g. 9465',
    'config: metrics.listen[0]: must be an IP address, got "localhost"',
  ]);
});

test('parseAddress: host, host:port, [v6]:port; garbage refused', () => {
  assert.deepEqual(parseAddress('mail-a.example.com', 7400), { host: 'mail-a.example.com', port: 7400 });
  assert.deepEqual(parseAddress('[fd00::1]:7500', 7400), { host: 'fd00::1', port: 7500 });
  assert.equal(parseAddress('fd00::1', 7400), undefined);
  assert.equal(parseAddress('[10.0.0.1]:1', 7400), undefined);
  assert.equal(parseAddress('10.0.0.1:0', 7400), undefined);
});

test('join: a boolean, for a member rebuilt to join a running cluster', () => {
  assert.equal(validateConfig(nodeConfig({ join: true }), { baseDir: '/etc/tandem', dev: false, role: 'data' }).cluster!.join, true);
  assert.deepEqual(problemsOf(nodeConfig({ join: 'yes' })), ['config: cluster.join: must be true or false, got "yes"']);
});
