// Goal (issue 3, acceptance 4): kill -9 of the leader of three real processes loses no acknowledged proposal; a new leader within 2 s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemberCluster, type MemberHandle } from './test-support/member-cluster.js';

const electionDeadlineMs = 2000;

test('three processes, kill -9 of the leader mid-stream: every acknowledged proposal survives; new leader within 2 s', { timeout: 60_000 }, async () => {
  const cluster = await MemberCluster.start(['a', 'b', 'c']);
  try {
    const first = await cluster.waitForLeader(15_000);
    const acked: string[] = [];
    let next = 0;
    let stop = false;
    let killedAt = 0;
    const ackedAfterKill = (): number => acked.filter((v) => Number(v.slice(1)) >= killedSeq).length;
    let killedSeq = Number.POSITIVE_INFINITY;
    // A client with 16 proposals in flight, always aimed at whoever leads now.
    const client = async (): Promise<void> => {
      while (!stop) {
        const leader = cluster.leader();
        if (leader === undefined) {
          await new Promise((r) => setTimeout(r, 5));
          continue;
        }
        const value = `p${next++}`;
        try {
          await leader.request({ op: 'propose', value });
          acked.push(value);
        } catch {
          // NotLeader / LeadershipLost / Timeout / the process died: not acknowledged, so no promise to keep.
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    };
    const clients = Array.from({ length: 16 }, () => client());
    await waitUntil(() => acked.length >= 300, 'the stream is flowing', 20_000);
    killedSeq = next;
    killedAt = performance.now();
    first.killHard();
    const second = await cluster.waitForLeader(10_000, (m) => m !== first && m.latest!.term > first.latest!.term);
    const electionMs = performance.now() - killedAt;
    await waitUntil(() => ackedAfterKill() >= 200, 'the stream resumed on the new leader', 20_000);
    stop = true;
    await Promise.all(clients);

    assert.ok(electionMs < electionDeadlineMs, `new leader ${second.id} after ${Math.round(electionMs)} ms`);
    const survivors = cluster.alive();
    assert.equal(survivors.length, 2);
    const target = new Set(acked);
    let applied: string[][] = [];
    await waitUntil(async () => {
      applied = await Promise.all(survivors.map((m: MemberHandle) => m.request({ op: 'applied' }) as Promise<string[]>));
      return applied.every((list) => [...target].every((v) => list.includes(v)));
    }, 'survivors applied every acknowledged proposal', 10_000).catch(() => undefined);
    for (const [k, list] of applied.entries()) {
      const missing = acked.filter((v) => !list.includes(v));
      assert.deepEqual(missing, [], `survivor ${survivors[k]!.id} lacks acknowledged proposals`);
      assert.equal(new Set(list).size, list.length, `survivor ${survivors[k]!.id} applied something twice`);
    }
    const shorter = Math.min(applied[0]!.length, applied[1]!.length);
    assert.deepEqual(applied[0]!.slice(0, shorter), applied[1]!.slice(0, shorter), 'survivors applied the same sequence');
    process.stdout.write(`# acked ${acked.length} (${ackedAfterKill()} after the kill); new leader ${second.id} in ${Math.round(electionMs)} ms\n`);
  } finally {
    await cluster.close();
  }
});

async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
