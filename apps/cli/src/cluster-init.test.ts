// Goal: `tandem cluster init` writes three valid member configs sharing one secret and one certificate, refuses an existing directory and a topology that is not two data nodes and a witness, and leaves nothing behind on a bad argument.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@tandem/config';
import { CliError } from './admin-client.js';
import { clusterInit, parseMemberSpec, type ClusterInitOptions } from './cluster-init.js';

const dir = mkdtempSync(join(tmpdir(), 'tandem-cluster-init-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function options(out: string, over: Partial<ClusterInitOptions> = {}): ClusterInitOptions {
  return {
    out, domains: ['example.com'], vip: '192.0.2.25/24', interface: 'eth0',
    members: [parseMemberSpec('a=10.10.0.11,192.0.2.11', 'data'), parseMemberSpec('b=10.10.0.12,192.0.2.12', 'data'), parseMemberSpec('w=192.0.2.13', 'witness')],
    raftPort: 7400, metricsPort: 9465, degradedPolicy: 'accept', dataDir: join(dir, 'data', '{id}'), ...over,
  };
}

test('writes a/ b/ w/ with configs tandemd loads as they are, one shared secret, one certificate for A and B', async () => {
  const out = join(dir, 'ok');
  const result = await clusterInit(options(out));
  assert.equal(result.files.length, 4 + 4 + 2, 'per data node: config, secret, key, certificate; the witness: config, secret');
  const a = loadConfig({ file: join(out, 'a', 'tandem.json'), dev: false, cwd: '/', role: 'data' });
  const w = loadConfig({ file: join(out, 'w', 'witness.json'), dev: false, cwd: '/', role: 'witness' });
  assert.equal(a.cluster?.nodeId, 'a');
  assert.equal(a.dataDir, join(dir, 'data', 'a'));
  assert.deepEqual(a.cluster?.members.find((m) => m.id === 'b')?.addresses, [{ host: '10.10.0.12', port: 7400 }, { host: '192.0.2.12', port: 7400 }]);
  assert.equal(a.cluster?.vip?.cidr, '192.0.2.25/24');
  assert.equal(a.cluster?.linkProtection, 'encrypt');
  assert.match(readFileSync(join(out, 'w', 'witness.json'), 'utf8'), /"linkProtection": "encrypt"/, 'the choice is written out, where an admin sees it');
  assert.equal(a.hostname, 'mail.example.com');
  assert.deepEqual(a.metrics, { port: 9465, listen: ['127.0.0.1', '10.10.0.11'] });
  assert.equal(w.role, 'witness');
  assert.equal(w.cluster?.vip, undefined);
  const secret = (id: string): string => readFileSync(join(out, id, 'cluster.secret'), 'utf8');
  assert.equal(secret('a'), secret('w'));
  assert.ok(secret('a').trim().length >= 40);
  assert.equal(statSync(join(out, 'a', 'cluster.secret')).mode & 0o777, 0o640);
  assert.equal(readFileSync(join(out, 'a', 'mail.crt'), 'utf8'), readFileSync(join(out, 'b', 'mail.crt'), 'utf8'));
  assert.equal(existsSync(join(out, 'w', 'mail.key')), false, 'the witness gets no mail certificate');
});

test('--link-protection authenticate reaches every member', async () => {
  const out = join(dir, 'auth');
  await clusterInit(options(out, { linkProtection: 'authenticate' }));
  for (const [id, file, role] of [['a', 'tandem.json', 'data'], ['b', 'tandem.json', 'data'], ['w', 'witness.json', 'witness']] as const) {
    assert.equal(loadConfig({ file: join(out, id, file), dev: false, cwd: '/', role }).cluster?.linkProtection, 'authenticate', id);
  }
});

test('an existing directory is refused (it would change the cluster secret)', async () => {
  const out = join(dir, 'ok');
  await assert.rejects(clusterInit(options(out)), (err) => err instanceof CliError && /exists; pick a new --out/.test(err.message));
});

test('not two data nodes and a witness: refused before anything is written', async () => {
  const out = join(dir, 'two');
  await assert.rejects(clusterInit(options(out, { members: [parseMemberSpec('a=10.0.0.1', 'data'), parseMemberSpec('w=10.0.0.3', 'witness')] })),
    (err) => err instanceof CliError && /two data nodes and a witness/.test(err.message));
  await assert.rejects(clusterInit(options(out, { vip: '192.0.2.25' })), (err) => err instanceof CliError && /cluster\.vip\.address: must be an IPv4 address with its prefix/.test(err.message));
  assert.equal(existsSync(out), false);
  assert.throws(() => parseMemberSpec('A B', 'data'), /use ID=ADDRESS/);
});
