// Goal: issue 5 acceptance 6 — a process without the cluster secret can neither join (its votes and appends are never heard) nor inject entries: term, leader and log of the real cluster stay as they were.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sleep, TandemCluster, type MemberId } from './tandem-cluster.js';

const rogue = fileURLToPath(new URL('./fixtures/rogue-member.ts', import.meta.url));
let cluster: TandemCluster | undefined;
after(async () => { await cluster?.close(); });

test('a member without the secret: no link comes up, no vote counts, nothing enters the log', async (t) => {
  cluster = await TandemCluster.create();
  const c = cluster;
  try {
    await c.startAll();
    const leader = await c.waitForServingLeader();
    await sleep(1_000); // followers learn the last commit index on the next heartbeat
    const before = await Promise.all((['a', 'b', 'w'] as MemberId[]).map((id) => c.member(id)));
    const { stdout } = await c.harness.exec('c', process.execPath, [
      '--import', 'tsx', rogue, '--as', 'w', '--listen', c.harness.ip('c'),
      '--peer', `a=${c.harness.ip('a')}:7400`, '--peer', `b=${c.harness.ip('b')}:7400`, '--duration-ms', '4000',
    ], { timeoutMs: 60_000 });
    const seen = JSON.parse(stdout) as { term: number; role: string; leader: string | null; commitIndex: number; linksUp: number; injections: string[] };
    t.diagnostic(`rogue saw: ${JSON.stringify(seen)}`);
    const after = await Promise.all((['a', 'b', 'w'] as MemberId[]).map((id) => c.member(id)));
    for (const [i, m] of after.entries()) {
      assert.equal(m.term, before[i]!.term, `${m.id}: term unchanged despite the rogue's campaigns`);
      assert.equal(m.lastIndex, before[i]!.lastIndex, `${m.id}: nothing entered the log`);
      assert.equal(m.commitIndex, before[i]!.commitIndex, `${m.id}: nothing was committed`);
    }
    assert.equal(after.find((m) => m.raftRole === 'leader')?.id, leader);
    assert.equal(seen.linksUp, 0, 'no authenticated link to any member');
    assert.equal(seen.leader, null, 'the rogue never heard from the leader');
    // It campaigned every 50–100 ms; with Pre-Vote (thesis §9.6) a candidate that gets no pre-votes
    // never even raises its term, so nothing it does can disturb the real members.
    assert.equal(seen.role, 'preCandidate', 'the rogue never got a single (pre-)vote');
    // The member closes the connection (a reset when our garbage was still unread): never "still open".
    for (const outcome of seen.injections) assert.match(outcome, /^(closed by the member|error ECONNRESET)$/, 'raw frames without the secret end the connection');
  } catch (err) {
    t.diagnostic(c.logTails());
    throw err;
  }
});
