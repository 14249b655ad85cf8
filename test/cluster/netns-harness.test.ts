// Goal: the namespace harness builds isolated hosts A, B, W, C on private bridges, cuts and restores links, sees ARP owners at 20 Hz (and two at once), and leaves nothing behind.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { NetnsHarness, hostNames, type HostName } from './netns-harness.js';

const fixture = fileURLToPath(new URL('./fixtures/harness-fixture.ts', import.meta.url));
const open = new Set<NetnsHarness>();
after(async () => {
  for (const harness of open) await harness.close();
});

async function create(options: { secondLink?: boolean } = {}): Promise<NetnsHarness> {
  const harness = await NetnsHarness.create(options);
  open.add(harness);
  return harness;
}

/** Whether the process is gone (or a zombie waiting for init to reap it) within timeoutMs. */
async function deadWithin(pid: number, timeoutMs: number): Promise<boolean> {
  for (let waitedMs = 0; waitedMs <= timeoutMs; waitedMs += 20) {
    let state: string | undefined;
    try {
      state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    } catch {
      return true;
    }
    if (state === 'Z' || state === 'X') return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

function namespacesNow(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((line) => line.split(' ')[0] ?? '').filter(Boolean);
}

/**
 * TCP connect to a port where nothing listens: "refused" means the host answered (reachable),
 * "timeout" means packets do not get through.
 */
async function reach(harness: NetnsHarness, from: HostName, ip: string): Promise<'refused' | 'timeout' | 'connected'> {
  const script = `const s=require('net').connect({host:${JSON.stringify(ip)},port:9});s.setTimeout(700);` +
    `s.on('connect',()=>{console.log('connected');process.exit(0)});s.on('error',e=>{console.log(e.code==='ECONNREFUSED'?'refused':e.code);process.exit(0)});` +
    `s.on('timeout',()=>{console.log('timeout');process.exit(0)})`;
  const { stdout } = await harness.exec(from, process.execPath, ['-e', script]);
  return stdout.trim() as 'refused' | 'timeout' | 'connected';
}

test('create: A, B, W, C each get their address and MAC on one private bridge; C talks TCP to A; close removes every namespace', async () => {
  const harness = await create();
  const names = [harness.bridgeNetns, ...hostNames.map((name) => harness.host(name).netns)];
  assert.deepEqual(names.filter((name) => namespacesNow().includes(name)), names);
  assert.match(harness.subnets[0] ?? '', /^10\.\d+\.\d+\.0\/24$/);
  for (const name of hostNames) assert.deepEqual(await harness.addresses(name), [harness.ip(name)]);
  assert.equal(new Set(hostNames.map((name) => harness.mac(name))).size, 4);
  assert.equal(harness.vipCidr, `${harness.vip}/24`);

  const server = harness.spawn('a', process.execPath, ['-e', `require('net').createServer(s=>s.end('hello from a')).listen(7000,${JSON.stringify(harness.ip('a'))},()=>console.log('listening'))`]);
  await once(server.stdout!, 'data');
  const { stdout } = await harness.exec('c', process.execPath, ['-e', `require('net').connect(7000,${JSON.stringify(harness.ip('a'))}).on('data',d=>process.stdout.write(d))`]);
  assert.equal(stdout, 'hello from a');
  // The root namespace never sees these addresses.
  assert.ok(!execFileSync('ip', ['-4', 'addr'], { encoding: 'utf8' }).includes(harness.ip('a')));

  await harness.close();
  await harness.close(); // idempotent
  assert.deepEqual(names.filter((name) => namespacesNow().includes(name)), []);
});

test('ARP prober: ≥ 20 probes a second, sees the owner of an address, sees nobody while its link is down, and the owner again after linkUp', async () => {
  const harness = await create();
  const prober = await harness.startArpProber({ target: harness.ip('a') });
  const started = prober.windows.length;
  const first = await prober.waitForOwner(harness.mac('a'), { fromMs: 0, timeoutMs: 3_000, consecutive: 3 });
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const perSecond = prober.windows.filter((w) => w.sentAtMs >= first.sentAtMs && w.sentAtMs < first.sentAtMs + 1_000).length;
  assert.ok(perSecond >= 18, `only ${perSecond} probe windows in one second (from ${started})`);

  const cutAt = prober.windows.at(-1)!.sentAtMs;
  await harness.linkDown('a');
  await prober.waitForOwner(null, { fromMs: cutAt, timeoutMs: 2_000, consecutive: 5 });
  const restoredAt = prober.windows.at(-1)!.sentAtMs;
  await harness.linkUp('a');
  await prober.waitForOwner(harness.mac('a'), { fromMs: restoredAt, timeoutMs: 3_000, consecutive: 3 });
  assert.deepEqual(prober.conflicts(), []);
  await prober.stop();
});

test('ARP prober: two hosts holding the VIP at once show up as windows answered by both MACs', async () => {
  const harness = await create();
  const prober = await harness.startArpProber();
  assert.equal(prober.ownMac, harness.mac('c'));
  await harness.exec('a', 'ip', ['addr', 'add', harness.vipCidr, 'dev', 'eth0']);
  await prober.waitForOwner(harness.mac('a'), { fromMs: 0, timeoutMs: 3_000, consecutive: 2 });
  await harness.exec('b', 'ip', ['addr', 'add', harness.vipCidr, 'dev', 'eth0']);
  const bothFrom = prober.windows.at(-1)!.sentAtMs;
  await new Promise((resolve) => setTimeout(resolve, 300));
  await harness.exec('a', 'ip', ['addr', 'del', harness.vipCidr, 'dev', 'eth0']);
  await prober.waitForOwner(harness.mac('b'), { fromMs: bothFrom, timeoutMs: 3_000, consecutive: 3 });
  const conflicts = prober.conflicts();
  assert.ok(conflicts.length >= 3, `expected the 300 ms overlap to show as several windows, got ${conflicts.length}`);
  for (const window of conflicts) assert.deepEqual([...window.macs].sort(), [harness.mac('a'), harness.mac('b')].sort());
  const timeline = prober.ownership().map((span) => span.mac).filter((mac, i) => !(i === 0 && mac === null));
  assert.deepEqual(timeline, [harness.mac('a'), [harness.mac('a'), harness.mac('b')].sort().join('+'), harness.mac('b')]);
  await prober.stop();
});

test('second link: A, B, W get eth1 on a second bridge; cutting it leaves link 0, cutting all links isolates the host', async () => {
  const harness = await create({ secondLink: true });
  assert.equal(harness.host('a').links.length, 2);
  assert.equal(harness.host('c').links.length, 1);
  assert.notEqual(harness.subnets[0], harness.subnets[1]);
  assert.deepEqual(await harness.addresses('a', 1), [harness.ip('a', 1)]);
  assert.equal(await reach(harness, 'b', harness.ip('a', 1)), 'refused');
  await harness.linkDown('a', 1);
  assert.equal(await reach(harness, 'b', harness.ip('a', 1)), 'timeout');
  assert.equal(await reach(harness, 'b', harness.ip('a', 0)), 'refused');
  await harness.allLinksDown('a');
  assert.equal(await reach(harness, 'b', harness.ip('a', 0)), 'timeout');
  assert.equal(await reach(harness, 'w', harness.ip('b', 1)), 'refused'); // the others are unaffected
  await harness.allLinksUp('a');
  assert.equal(await reach(harness, 'b', harness.ip('a', 0)), 'refused');
  assert.equal(await reach(harness, 'b', harness.ip('a', 1)), 'refused');
});

test('create deletes namespaces left by a crashed run (dead pid) but never those of a live run', async () => {
  const done = spawn('true');
  await once(done, 'close');
  const sleeper = spawn('sleep', ['20']);
  const stale = `tandem-a-${done.pid}-dead`;
  const alive = `tandem-br-${sleeper.pid}-beef`;
  try {
    execFileSync('ip', ['netns', 'add', stale]);
    execFileSync('ip', ['netns', 'add', alive]);
    await create();
    const now = namespacesNow();
    assert.equal(now.includes(stale), false, 'the stale namespace must be gone');
    assert.equal(now.includes(alive), true, 'a live run\'s namespace must stay');
  } finally {
    sleeper.kill('SIGKILL');
    for (const name of [stale, alive]) if (namespacesNow().includes(name)) execFileSync('ip', ['netns', 'del', name]);
  }
});

for (const mode of ['exit', 'throw', 'sigterm'] as const) {
  test(`a test process that ends by ${mode} without close() leaves no namespace and no process behind`, async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, mode], { stdio: ['pipe', 'pipe', 'pipe'] });
    const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
    const { namespaces, sleeperPid } = JSON.parse(chunk.toString()) as { namespaces: string[]; sleeperPid: number };
    assert.equal(namespaces.length, 5);
    assert.deepEqual(namespaces.filter((name) => namespacesNow().includes(name)), namespaces);
    if (mode === 'sigterm') child.kill('SIGTERM');
    else child.stdin.write('go\n');
    const [code] = (await once(child, 'close')) as [number | null];
    assert.equal(code, mode === 'exit' ? 0 : mode === 'throw' ? 1 : 143);
    assert.deepEqual(namespaces.filter((name) => namespacesNow().includes(name)), []);
    assert.equal(await deadWithin(sleeperPid, 2_000), true, 'the process started in a namespace must have been killed');
  });
}

test('not root: create() fails with NetnsPermissionError saying the cluster tests need root for ip netns', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, 'create'], { stdio: ['ignore', 'pipe', 'pipe'], uid: 65534, gid: 65534, env: { ...process.env, HOME: '/tmp' } });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  await once(child, 'close');
  const outcome = JSON.parse(stdout) as { error: string; message: string };
  assert.equal(outcome.error, 'NetnsPermissionError');
  assert.match(outcome.message, /need root for ip netns/);
});
