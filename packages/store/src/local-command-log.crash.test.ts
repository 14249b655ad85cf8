// Goal: kill -9 a process mid-stream of proposals, twice; after reopen every acknowledged delivery is present exactly once and intact, and nothing half-written is visible.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { MailStore } from './mail-store.js';
import { LocalCommandLog } from './local-command-log.js';
import { crashMessageNumber, crashUser } from './local-command-log.crash-workload.js';
import { checkConsistency, makeTempDir, seededRandom, testSeed } from './store-test-fixture.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const childPath = fileURLToPath(new URL('./local-command-log.crash-child.ts', import.meta.url));

/** Runs the child until it has acknowledged `acksBeforeKill` deliveries, then SIGKILLs it. Returns the acknowledged numbers. */
async function runAndKill(dataDir: string, first: number, acksBeforeKill: number): Promise<number[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', childPath, dataDir, String(first)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  const acked: number[] = [];
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000); // bound: never hang the suite
  for await (const line of createInterface({ input: child.stdout })) {
    if (line.startsWith('ACK ')) acked.push(Number(line.slice(4)));
    if (acked.length >= acksBeforeKill) { child.kill('SIGKILL'); break; }
  }
  clearTimeout(timer);
  const how = await exited;
  assert.equal(how, 'SIGKILL', `child ended by ${String(how)} after ${acked.length} acks: ${stderr}`);
  return acked;
}

test('SIGKILL during a stream of proposals: acknowledged = present exactly once; no stray files', async (t) => {
  const seed = testSeed();
  t.diagnostic(`seed ${seed} (TEST_SEED=${seed} to replay)`);
  const rnd = seededRandom(seed);
  const tmp = await makeTempDir('kill9');
  try {
    const acked = [
      ...(await runAndKill(tmp.dir, 0, 50 + Math.floor(rnd() * 250))),
      ...(await runAndKill(tmp.dir, 100_000, 50 + Math.floor(rnd() * 250))),
    ];
    const store = await MailStore.open({ dataDir: tmp.dir });
    const log = await LocalCommandLog.open({ dir: join(tmp.dir, 'log'), store });
    t.diagnostic(`acked ${acked.length}; replayed at open ${log.stats().replayed}`);
    const seen = new Map<number, number>();
    for (const m of store.listMessages(crashUser, 'INBOX')) {
      const n = crashMessageNumber(await store.readMessage(crashUser, 'INBOX', m.uid));
      assert.notEqual(n, undefined, `message uid ${m.uid} is damaged (seed ${seed})`);
      seen.set(n!, (seen.get(n!) ?? 0) + 1);
    }
    for (const n of acked) assert.equal(seen.get(n), 1, `acknowledged message ${n} present ${seen.get(n) ?? 0} times (seed ${seed})`);
    assert.ok([...seen.values()].every((c) => c === 1), `duplicates (seed ${seed})`);
    assert.deepEqual(await checkConsistency(store), { filesWithoutRow: [], rowsWithoutFile: [] });
    assert.deepEqual(await readdir(join(store.paths.userRoot(crashUser), 'tmp')), []);
    await log.close();
    await store.close();
  } finally {
    await tmp.remove();
  }
});
