// Goal: apply() is deterministic and crash-idempotent — the same log gives byte-identical Maildirs and index dumps, even with crashes injected before or after the index batch, and with power cuts that tear or drop every unsynced file and roll the index back to its last sync.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from './command.js';
import type { ApplyResult } from './apply-result.js';
import { MailStore } from './mail-store.js';
import type { MailStoreOptions } from './mail-store.js';
import { PowerCut } from './power-cut-fixture.js';
import { checkConsistency, fileTree, makeTempDir, seededRandom, testSeed, workload } from './store-test-fixture.js';

class InjectedCrash extends Error {}

interface ApplyLogOptions {
  crashBefore?: Set<number>;
  crashAfter?: Set<number>;
  /** Indexes at which the power is cut (before or after the index batch, by `random`). */
  powerCutAt?: Set<number>;
  /** Scratch space for the power cuts (required with powerCutAt). */
  scratchDir?: string;
  random?: () => number;
  /** When given, entries go through applyBatch in runs of 1..8 chosen by this generator. */
  batchRandom?: () => number;
  checkpointEntriesMax?: number;
}

interface LogOutcome { results: Array<ApplyResult | undefined>; crashes: number; powerCuts: number; damagedFiles: number }

/**
 * Applies the log (command i at index i). Crashes are injected at the given indexes, before or
 * after the index batch; a power cut also destroys what a real one could (power-cut-fixture.ts).
 * After each, the store is reopened and applying resumes after the store's CHECKPOINT index, as
 * the command log does: entries the index already holds get their files redone. A result computed
 * twice must come out the same; results lost in a crash stay holes.
 */
async function applyLog(dataDir: string, cmds: Command[], opts: ApplyLogOptions = {}): Promise<LogOutcome> {
  const crashBefore = new Set(opts.crashBefore);
  const crashAfter = new Set(opts.crashAfter);
  const cuts = new Set(opts.powerCutAt);
  const random = opts.random ?? Math.random;
  const power = cuts.size ? new PowerCut(dataDir, opts.scratchDir!) : undefined;
  const outcome: LogOutcome = { results: [], crashes: 0, powerCuts: 0, damagedFiles: 0 };
  let attemptedMax = 0;
  const cutHere = (i: number, where: string): void => {
    if (!cuts.has(i) || random() < 0.5) return;
    cuts.delete(i);
    power!.freeze();
    throw new InjectedCrash(`power cut ${where} ${i}`);
  };
  const hooks: Omit<MailStoreOptions, 'dataDir'> = {
    beforeCommit: (i) => { if (crashBefore.delete(i)) throw new InjectedCrash(`before ${i}`); cutHere(i, 'before'); },
    afterCommit: (i) => { if (crashAfter.delete(i)) throw new InjectedCrash(`after ${i}`); cutHere(i, 'after'); },
    ...(power ? { afterIndexSync: power.afterIndexSync } : {}),
    ...(opts.checkpointEntriesMax ? { checkpointEntriesMax: opts.checkpointEntriesMax } : {}),
  };
  const record = (index: number, result: ApplyResult): void => {
    const known = outcome.results[index - 1];
    if (known) assert.deepEqual(result, known, `index ${index} gave another result when applied again`);
    outcome.results[index - 1] = result;
  };
  let store = await MailStore.open({ dataDir, ...hooks });
  power?.start();
  for (;;) {
    try {
      const appliedAtOpen = store.appliedIndex;
      // From the checkpoint on, and from the applied index at least, whose result the index recorded.
      for (let i = Math.min(store.checkpointIndex + 1, Math.max(appliedAtOpen, 1)); i <= cmds.length;) {
        const size = opts.batchRandom ? 1 + Math.floor(opts.batchRandom() * 8) : 1;
        const run = cmds.slice(i - 1, i - 1 + size).map((command, k) => ({ index: i + k, command }));
        attemptedMax = Math.max(attemptedMax, i - 1 + run.length);
        const out = await store.applyBatch(run);
        // Below the applied index at open only the last result was recorded (the rest are neutral).
        out.forEach((r, k) => { if (i + k >= appliedAtOpen) record(i + k, r); });
        i += run.length;
        // Files of a crashed attempt may lack rows (and rows their files) until it is applied again.
        if (i - 1 < attemptedMax) continue;
        const { filesWithoutRow, rowsWithoutFile } = await checkConsistency(store);
        assert.deepEqual({ filesWithoutRow, rowsWithoutFile }, { filesWithoutRow: [], rowsWithoutFile: [] }, `after index ${i - 1}`);
      }
      break;
    } catch (err) {
      if (!(err instanceof InjectedCrash)) throw err;
      outcome.crashes++;
      await store.close();
      if (err.message.startsWith('power cut')) {
        outcome.powerCuts++;
        const damage = power!.damage(random);
        outcome.damagedFiles += damage.removed.length + damage.truncated.length;
      }
      store = await MailStore.open({ dataDir, ...hooks });
      power?.start();
    }
  }
  power?.stop();
  await store.close();
  return outcome;
}

function assertSameWhereKnown(actual: Array<ApplyResult | undefined>, expected: Array<ApplyResult | undefined>, seed: number): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((r, i) => { if (r) assert.deepEqual(r, expected[i], `index ${i + 1} (seed ${seed})`); });
}

async function snapshot(dataDir: string): Promise<{ tree: Array<[string, string]>; index: Array<[string, unknown]>; digest: string }> {
  const store = await MailStore.open({ dataDir });
  const index = await store.dumpIndex();
  const tree = (await fileTree(store.paths.mailRoot)).filter(([path]) => !path.startsWith('.staging'));
  const digest = await store.stateDigest();
  await store.close();
  return { tree, index, digest };
}

test('the same log gives identical Maildir trees and index dumps in two stores', async (t) => {
  const seed = testSeed();
  t.diagnostic(`seed ${seed} (TEST_SEED=${seed} to replay)`);
  const cmds = workload(seed, 220);
  const a = await makeTempDir('det-a');
  const b = await makeTempDir('det-b');
  try {
    const ra = await applyLog(a.dir, cmds);
    const rb = await applyLog(b.dir, cmds);
    assert.deepEqual(ra.results, rb.results, `seed ${seed}`);
    // The workload must really exercise the interesting commands, not just fail them.
    const succeeded = new Map<string, number>();
    ra.results.forEach((r, i) => { if (r?.ok) succeeded.set(cmds[i]!.type, (succeeded.get(cmds[i]!.type) ?? 0) + 1); });
    t.diagnostic(`succeeded: ${JSON.stringify(Object.fromEntries(succeeded))}`);
    assert.ok((succeeded.get('message.deliver') ?? 0) > 20, `seed ${seed}`);
    assert.ok((succeeded.get('message.copy') ?? 0) >= 1, `seed ${seed}`);
    assert.ok((succeeded.get('mailbox.create') ?? 0) >= 1, `seed ${seed}`);
    const [sa, sb] = [await snapshot(a.dir), await snapshot(b.dir)];
    assert.ok(sa.tree.length > 50);
    assert.deepEqual(sa.tree, sb.tree, `seed ${seed}`);
    assert.deepEqual(sa.index, sb.index, `seed ${seed}`);
  } finally {
    await a.remove();
    await b.remove();
  }
});

test('crashes before and after the index batch re-apply to exactly the uncrashed state', async (t) => {
  const seed = testSeed();
  t.diagnostic(`seed ${seed} (TEST_SEED=${seed} to replay)`);
  const cmds = workload(seed, 160);
  const rnd = seededRandom(seed ^ 0x5eed);
  const crashBefore = new Set<number>();
  const crashAfter = new Set<number>();
  for (let i = 0; i < 12; i++) crashBefore.add(1 + Math.floor(rnd() * cmds.length));
  for (let i = 0; i < 12; i++) crashAfter.add(1 + Math.floor(rnd() * cmds.length));
  // Always crash at a delivery and at an expunge-ish command, the interesting cases.
  crashBefore.add(1 + cmds.findIndex((c) => c.type === 'message.deliver'));
  crashAfter.add(1 + cmds.findIndex((c) => c.type === 'message.copy' || c.type === 'message.expunge'));
  const ref = await makeTempDir('crash-ref');
  const run = await makeTempDir('crash-run');
  try {
    const clean = await applyLog(ref.dir, cmds);
    const crashed = await applyLog(run.dir, cmds, { crashBefore, crashAfter });
    assert.ok(crashed.crashes >= 10, `only ${crashed.crashes} crashes injected`);
    assert.deepEqual(crashed.results, clean.results, `seed ${seed}`);
    const [sr, sc] = [await snapshot(ref.dir), await snapshot(run.dir)];
    assert.deepEqual(sc.tree, sr.tree, `seed ${seed}`);
    assert.deepEqual(sc.index, sr.index, `seed ${seed}`);
  } finally {
    await ref.remove();
    await run.remove();
  }
});

test('applying in batches (shared commits) gives exactly what applying one by one gives, crashes included', async (t) => {
  const seed = testSeed();
  t.diagnostic(`seed ${seed} (TEST_SEED=${seed} to replay)`);
  const cmds = workload(seed, 160);
  const rnd = seededRandom(seed ^ 0xba7c);
  const crashBefore = new Set(Array.from({ length: 6 }, () => 1 + Math.floor(rnd() * cmds.length)));
  const crashAfter = new Set(Array.from({ length: 6 }, () => 1 + Math.floor(rnd() * cmds.length)));
  const single = await makeTempDir('batch-single');
  const batched = await makeTempDir('batch-run');
  try {
    const one = await applyLog(single.dir, cmds);
    const many = await applyLog(batched.dir, cmds, { batchRandom: rnd, crashBefore, crashAfter });
    assert.ok(many.crashes >= 4, `only ${many.crashes} crashes injected`);
    assertSameWhereKnown(many.results, one.results, seed);
    const [s1, s2] = [await snapshot(single.dir), await snapshot(batched.dir)];
    assert.deepEqual(s2.tree, s1.tree, `seed ${seed}`);
    assert.deepEqual(s2.index, s1.index, `seed ${seed}`);
  } finally {
    await single.remove();
    await batched.remove();
  }
});

test('power cuts (unsynced files torn or lost, index back at its last sync) recover to exactly the uncrashed state', async (t) => {
  const seed = testSeed();
  t.diagnostic(`seed ${seed} (TEST_SEED=${seed} to replay)`);
  const cmds = workload(seed, 160);
  const rnd = seededRandom(seed ^ 0x9a11);
  // Cut at deliveries and at copies/moves above all (their files are what a cut can tear), and anywhere.
  const powerCutAt = new Set<number>();
  cmds.forEach((c, i) => { if ((c.type === 'message.deliver' || c.type === 'message.copy') && rnd() < 0.12) powerCutAt.add(i + 1); });
  // Each point is cut at with even odds, and a point inside a shared commit is never reached: enough
  // points that a seed gives well over the five cuts asserted below (with 6, seed 1958547139 gave
  // four; with 16, twelve seeds tried gave 14 to 25).
  for (let i = 0; i < 16; i++) powerCutAt.add(1 + Math.floor(rnd() * cmds.length));
  const ref = await makeTempDir('power-ref');
  const run = await makeTempDir('power-run');
  try {
    const clean = await applyLog(ref.dir, cmds);
    const cut = await applyLog(`${run.dir}/data`, cmds, {
      powerCutAt, scratchDir: run.dir, random: rnd, batchRandom: rnd, checkpointEntriesMax: 1 + Math.floor(rnd() * 6),
    });
    t.diagnostic(`${cut.powerCuts} power cuts damaged ${cut.damagedFiles} files`);
    assert.ok(cut.powerCuts >= 5, `only ${cut.powerCuts} power cuts (seed ${seed})`);
    assert.ok(cut.damagedFiles >= 3, `the cuts damaged only ${cut.damagedFiles} files: the test has no teeth (seed ${seed})`);
    assertSameWhereKnown(cut.results, clean.results, seed);
    const [sr, sc] = [await snapshot(ref.dir), await snapshot(`${run.dir}/data`)];
    assert.deepEqual(sc.tree, sr.tree, `seed ${seed}`);
    assert.deepEqual(sc.index, sr.index, `seed ${seed}`);
    assert.equal(sc.digest, sr.digest, `seed ${seed}`);
  } finally {
    await ref.remove();
    await run.remove();
  }
});
