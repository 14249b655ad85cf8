// Goal: deploy/vip-release.sh (tandemd.service's ExecStopPost) removes the configured VIP if present, via ip or the hook, is idempotent, and refuses bad config.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { NetnsHarness } from './netns-harness.js';

const script = fileURLToPath(new URL('../../deploy/vip-release.sh', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tandem-vip-release-'));
const harnesses: NetnsHarness[] = [];
after(async () => {
  for (const harness of harnesses) await harness.close();
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(name: string, config: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(config));
  return file;
}

function runLocal(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(script, args, { env: { ...process.env, ...env }, timeout: 10_000 }, (err, _stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stderr });
    });
  });
}

test('removes the configured VIP from the interface, then finds nothing to do (namespaces)', async () => {
  const harness = await NetnsHarness.create();
  harnesses.push(harness);
  const config = writeConfig('a.json', { cluster: { vip: { address: harness.vipCidr, interface: 'eth0' } } });
  await harness.exec('a', 'ip', ['addr', 'add', harness.vipCidr, 'dev', 'eth0']);
  assert.deepEqual(await harness.addresses('a'), [harness.ip('a'), harness.vip]);
  const first = await harness.exec('a', script, [config]);
  assert.match(first.stderr, new RegExp(`removed ${harness.vipCidr.replace(/\./g, '\\.')} from eth0`));
  assert.deepEqual(await harness.addresses('a'), [harness.ip('a')]);
  const second = await harness.exec('a', script, [config]);
  assert.match(second.stderr, /is not on eth0: nothing to do/);
  assert.deepEqual(await harness.addresses('a'), [harness.ip('a')], 'the node address itself is never touched');
});

test('with cluster.vip.hook it runs `HOOK del VIP IFACE` instead of ip', async () => {
  const log = join(dir, 'hook.log');
  const hook = join(dir, 'hook.sh');
  writeFileSync(hook, `#!/bin/sh\necho "$*" >> ${log}\n`);
  chmodSync(hook, 0o755);
  const config = writeConfig('hook.json', { cluster: { vip: { address: '10.9.8.7/24', interface: 'ens5', hook } } });
  const { code } = await runLocal([config]);
  assert.equal(code, 0);
  assert.equal(readFileSync(log, 'utf8'), 'del 10.9.8.7/24 ens5\n');
});

test('no VIP configured (a witness, a single node): exit 0, nothing done', async () => {
  const { code, stderr } = await runLocal([writeConfig('none.json', { dataDir: '/var/lib/tandem' })]);
  assert.equal(code, 0);
  assert.match(stderr, /no VIP configured/);
});

test('bad values and unreadable configs exit 2 without running anything', async () => {
  const cases: Array<[string[], Record<string, string>, RegExp]> = [
    [[writeConfig('bad-ip.json', { cluster: { vip: { address: '10.0.0.5; reboot', interface: 'eth0' } } })], {}, /not an IPv4 address/],
    [[writeConfig('bad-dev.json', { cluster: { vip: { address: '10.0.0.5/24', interface: 'eth0 up' } } })], {}, /not an interface name/],
    [[join(dir, 'missing.json')], {}, /cannot read/],
    [[writeConfig('bad-json.json', '{')], {}, /cannot parse/],
  ];
  writeFileSync(join(dir, 'bad-json.json'), '{ "cluster": ');
  for (const [args, env, message] of cases) {
    const { code, stderr } = await runLocal(args, env);
    assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
    assert.match(stderr, message);
  }
});
