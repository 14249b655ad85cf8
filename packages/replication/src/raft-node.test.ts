// Goal: RaftNode clusters (engines in worker threads) commit, apply, refuse, time out, snapshot and hand over as specified.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@tandem/testkit';
import { RaftNode, type RaftNodeOptions, type StateMachine } from './raft-node.js';
import { NotLeaderError, ProposalRejectedError, TimeoutError } from './errors.js';
import { replicationLimits } from './replication-limits.js';
import { FileLogStore } from './file-log-store.js';

const secret = Buffer.from('raft-node test cluster secret 0123');
const host = '127.0.0.1';

/** A list of strings: apply appends and returns the new length; snapshots are JSON files. */
class ListMachine implements StateMachine<number> {
  items: string[] = [];
  restores: number[] = [];
  apply(entry: { data: Uint8Array }): number {
    this.items.push(Buffer.from(entry.data).toString());
    return this.items.length;
  }
  async snapshot(path: string): Promise<void> {
    writeFileSync(path, JSON.stringify(this.items));
  }
  async restore(path: string, index: number): Promise<void> {
    this.items = JSON.parse(readFileSync(path, 'utf8')) as string[];
    this.restores.push(index);
  }
}

interface Member {
  id: string;
  port: number;
  machine: ListMachine | undefined;
  node: RaftNode<number> | undefined;
}

class Cluster {
  readonly members: Member[] = [];
  private constructor(readonly dir: string, private readonly extra: Partial<RaftNodeOptions<number>>, readonly witnesses: string[]) {}

  static async start(ids: string[], extra: Partial<RaftNodeOptions<number>> = {}, witnesses: string[] = []): Promise<Cluster> {
    const c = new Cluster(mkdtempSync(join(tmpdir(), 'tandem-node-')), extra, witnesses);
    for (const id of ids) c.members.push({ id, port: await freePort(), machine: undefined, node: undefined });
    await Promise.all(ids.map((id) => c.startMember(id)));
    return c;
  }

  async startMember(id: string, extra: Partial<RaftNodeOptions<number>> = {}): Promise<Member> {
    const m = this.members.find((x) => x.id === id)!;
    const witness = this.witnesses.includes(id);
    m.machine = witness ? undefined : new ListMachine();
    const peers = Object.fromEntries(this.members.filter((x) => x.id !== id).map((x) => [x.id, [{ host, port: x.port }]]));
    m.node = await RaftNode.start<number>({
      id, dataDir: join(this.dir, id), listen: { host, port: m.port }, peers, secret, witnesses: this.witnesses,
      witness, ...(m.machine === undefined ? {} : { stateMachine: m.machine }), ...this.extra, ...extra,
    });
    return m;
  }

  async stopMember(id: string): Promise<void> {
    const m = this.members.find((x) => x.id === id)!;
    await m.node?.close();
    m.node = undefined;
  }

  running(): Member[] {
    return this.members.filter((m) => m.node !== undefined);
  }

  async leader(timeoutMs = 5000): Promise<Member> {
    let found: Member | undefined;
    await waitFor(() => {
      const leaders = this.running().filter((m) => m.node!.status().role === 'leader');
      const terms = new Set(this.running().map((m) => m.node!.status().term));
      found = leaders.length === 1 && terms.size === 1 ? leaders[0] : undefined;
      return found !== undefined;
    }, 'a single leader', timeoutMs);
    return found!;
  }

  async close(): Promise<void> {
    await Promise.all(this.running().map((m) => m.node!.close()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Polls a condition (every 10 ms) until it holds; fails after timeoutMs. */
async function waitFor(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('three members: proposals resolve with their apply result and every member applies the same sequence', async () => {
  const c = await Cluster.start(['a', 'b', 'c']);
  try {
    const leader = await c.leader();
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => leader.node!.propose(Buffer.from(`v${i}`))));
    assert.deepEqual(results, Array.from({ length: 200 }, (_, i) => i + 1));
    const expected = Array.from({ length: 200 }, (_, i) => `v${i}`);
    await waitFor(() => c.members.every((m) => m.machine!.items.length === 200), 'followers applied');
    for (const m of c.members) assert.deepEqual(m.machine!.items, expected, `member ${m.id}`);
    assert.equal(leader.node!.hasLease(), true);
    for (const m of c.members.filter((x) => x !== leader)) assert.equal(m.node!.hasLease(), false);
  } finally {
    await c.close();
  }
});

test('a follower refuses a proposal with NotLeaderError naming the leader; nothing is proposed', async () => {
  const c = await Cluster.start(['a', 'b', 'c']);
  try {
    const leader = await c.leader();
    const follower = c.members.find((m) => m !== leader)!;
    await waitFor(() => follower.node!.status().leader === leader.id, 'follower knows the leader');
    await assert.rejects(follower.node!.propose(Buffer.from('x')), (e: unknown) => e instanceof NotLeaderError && e.leaderHint === leader.id);
    assert.equal(follower.machine!.items.length, 0);
  } finally {
    await c.close();
  }
});

test('heartbeats keep time while the main thread is blocked for 3 election timeouts (the core runs in a worker)', async () => {
  const c = await Cluster.start(['a', 'b', 'c'], { electionTimeoutMs: 500 });
  try {
    const leader = await c.leader();
    await leader.node!.propose(Buffer.from('before'));
    const term = leader.node!.status().term;
    const blockedUntil = performance.now() + 1500;
    while (performance.now() < blockedUntil) { /* the main thread is busy: no timers, no I/O here */ }
    // Drain the status messages the engines sent meanwhile, then check nobody started an election.
    await leader.node!.propose(Buffer.from('after'));
    for (const m of c.members) {
      assert.equal(m.node!.status().term, term, `member ${m.id} kept term ${term}`);
      assert.equal(m.node!.status().leader, leader.id);
    }
  } finally {
    await c.close();
  }
});

test('without a quorum a proposal times out (outcome unknown), then check-quorum demotes the leader', async () => {
  const c = await Cluster.start(['a', 'b', 'c'], { proposeTimeoutMs: 150 });
  try {
    const leader = await c.leader();
    await leader.node!.propose(Buffer.from('ok'));
    for (const m of c.members) if (m !== leader) await c.stopMember(m.id);
    await assert.rejects(leader.node!.propose(Buffer.from('lost?')), TimeoutError);
    await waitFor(() => leader.node!.status().role !== 'leader', 'leader steps down (check-quorum)');
    assert.equal(leader.node!.hasLease(), false);
    await assert.rejects(leader.node!.propose(Buffer.from('no')), NotLeaderError);
  } finally {
    await c.close();
  }
});

test('a member that was down catches up by a streamed snapshot after the leader compacted its log', async () => {
  const c = await Cluster.start(['a', 'b', 'c'], { snapshotIntervalEntries: 40, segmentBytesMax: 4096 });
  try {
    const leader = await c.leader();
    const lagging = c.members.find((m) => m !== leader)!;
    await leader.node!.propose(Buffer.from('first'));
    await waitFor(() => lagging.machine!.items.length === 1, 'lagging member has the first entry');
    await c.stopMember(lagging.id);
    for (let i = 0; i < 150; i++) await leader.node!.propose(Buffer.from(`x${i}`.repeat(20)));
    // The policy: once applied, fewer than snapshotIntervalEntries (40) entries are left past the
    // last snapshot — also when the burst ended while a snapshot was being written.
    const due = leader.node!.status().lastIndex - 40;
    await waitFor(() => leader.node!.status().snapshotIndex > due, 'leader snapshot');
    const restarted = await c.startMember(lagging.id);
    await waitFor(() => restarted.machine!.items.length === 151, 'catch-up', 10_000);
    assert.ok(restarted.machine!.restores.length >= 1, 'caught up through a snapshot');
    assert.ok(restarted.machine!.restores[0]! > due);
    assert.deepEqual(restarted.machine!.items, leader.machine!.items);
  } finally {
    await c.close();
  }
});

test('data + data + witness: with one data member down, the other and the witness still commit; the witness applies nothing', async () => {
  const c = await Cluster.start(['a', 'b', 'w'], {}, ['w']);
  try {
    await c.leader();
    // A witness that wins an election hands leadership to a data member (DESIGN §2).
    await waitFor(() => c.members.some((m) => m.id !== 'w' && m.node!.status().role === 'leader'), 'a data member leads');
    const leader = await c.leader();
    for (let i = 0; i < 10; i++) await leader.node!.propose(Buffer.from(`d${i}`));
    const other = c.members.find((m) => m.id !== 'w' && m !== leader)!;
    await c.stopMember(other.id);
    for (let i = 10; i < 20; i++) await leader.node!.propose(Buffer.from(`d${i}`));
    assert.equal(leader.machine!.items.length, 20);
    const w = c.members.find((m) => m.id === 'w')!;
    await waitFor(() => w.node!.status().lastIndex >= 21 && w.node!.status().commitIndex >= 21, 'the witness stores and commits the log');
    assert.equal(w.machine, undefined);
    const back = await c.startMember(other.id);
    await waitFor(() => back.machine!.items.length === 20, 'restarted data member catches up');
    assert.deepEqual(back.machine!.items, leader.machine!.items);
  } finally {
    await c.close();
  }
});

test('leadership transfer (thesis §3.10) moves the leader to the chosen member', async () => {
  const c = await Cluster.start(['a', 'b', 'c']);
  try {
    const leader = await c.leader();
    await leader.node!.propose(Buffer.from('x'));
    const target = c.members.find((m) => m !== leader)!;
    leader.node!.transferLeadership(target.id);
    await waitFor(() => target.node!.status().role === 'leader', 'target leads');
    assert.equal(await target.node!.propose(Buffer.from('y')), 2);
  } finally {
    await c.close();
  }
});

test('membership change (thesis §4.1): a joining member is added as learner, catches up, then promoted to voter', async () => {
  const c = await Cluster.start(['a', 'b', 'c']);
  try {
    const leader = await c.leader();
    for (let i = 0; i < 5; i++) await leader.node!.propose(Buffer.from(`m${i}`));
    c.members.push({ id: 'd', port: await freePort(), machine: undefined, node: undefined });
    const d = await c.startMember('d', { join: true });
    const context = JSON.stringify([{ host, port: d.port }]);
    await leader.node!.proposeConfChange({ type: 'addLearner', nodeId: 'd', context });
    await waitFor(() => d.machine!.items.length === 5, 'the learner catches up');
    await leader.node!.proposeConfChange({ type: 'addVoter', nodeId: 'd' });
    await leader.node!.propose(Buffer.from('after'));
    await waitFor(() => d.machine!.items.length === 6, 'the new voter applies new entries');
    assert.deepEqual(d.machine!.items, leader.machine!.items);
    await waitFor(() => leader.node!.status().membership.voters.includes('d'), 'leader status shows d as voter');
  } finally {
    await c.close();
  }
});

test('a log damaged in the middle stops the member at start with a clear error (never repaired silently)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-node-corrupt-'));
  try {
    const log = FileLogStore.open({ dir: join(dir, 'a', 'log') });
    await log.append([1, 2, 3].map((index) => ({ index, term: 1, entryType: 0, body: Buffer.from(`entry ${index}`) })));
    await log.close();
    const segment = join(dir, 'a', 'log', readdirSync(join(dir, 'a', 'log'))[0]!);
    const bytes = readFileSync(segment);
    bytes[30] = bytes[30]! ^ 0xff; // inside entry 1; entries 2 and 3 are intact after it
    writeFileSync(segment, bytes);
    const fatals: Error[] = [];
    await assert.rejects(RaftNode.start<number>({
      id: 'a', dataDir: join(dir, 'a'), listen: { host, port: 0 }, peers: { b: [{ host, port: 1 }] }, secret,
      stateMachine: new ListMachine(), onFatal: (e) => fatals.push(e),
    }), /CorruptionError|corrupt data/);
    assert.equal(fatals.length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a witness drops log entries every data member holds (DESIGN §2): its snapshots are empty and follow dataIndex', async () => {
  const c = await Cluster.start(['a', 'b', 'w'], { snapshotIntervalEntries: 10, segmentBytesMax: 512 }, ['w']);
  try {
    await waitFor(() => c.members.some((m) => m.id !== 'w' && m.node!.status().role === 'leader'), 'a data member leads');
    const leader = await c.leader();
    for (let i = 0; i < 40; i++) await leader.node!.propose(Buffer.from(`w${i}`));
    const w = c.members.find((m) => m.id === 'w')!;
    await waitFor(() => w.node!.status().snapshotIndex >= 20, 'the witness compacted');
    const metas = readdirSync(join(c.dir, 'w', 'snapshots')).filter((n) => n.endsWith('.meta.json'))
      .map((n) => JSON.parse(readFileSync(join(c.dir, 'w', 'snapshots', n), 'utf8')) as { index: number; sizeBytes: number });
    assert.ok(metas.some((m) => m.index >= 20));
    assert.ok(metas.every((m) => m.sizeBytes === 0), 'a witness has no state machine data');
    const other = c.members.find((m) => m.id !== 'w' && m !== leader)!;
    await waitFor(() => other.machine!.items.length === 40, 'the other data member has everything');
  } finally {
    await c.close();
  }
});

test('inThread: true runs the same engine over an in-thread channel', async () => {
  const c = await Cluster.start(['a', 'b', 'c'], { inThread: true });
  try {
    const leader = await c.leader();
    assert.deepEqual(await Promise.all([leader.node!.propose(Buffer.from('x')), leader.node!.propose(Buffer.from('y'))]), [1, 2]);
    await waitFor(() => c.members.every((m) => m.machine!.items.join() === 'x,y'), 'all applied');
  } finally {
    await c.close();
  }
});

test('a proposal over the entry size limit (config raftEntryBytesMax) is rejected before anything is proposed; the node keeps going', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-node-big-'));
  const machine = new ListMachine();
  const node = await RaftNode.start<number>({ id: 'solo', dataDir: dir, listen: { host, port: 0 }, peers: {}, secret, stateMachine: machine });
  try {
    await waitFor(() => node.status().role === 'leader', 'a single voter leads');
    await assert.rejects(node.propose(Buffer.allocUnsafe(replicationLimits.recordBytesMax + 1)), ProposalRejectedError);
    assert.equal(await node.propose(Buffer.from('small')), 1);
    assert.deepEqual(machine.items, ['small'], 'the refused proposal never reached the log');
  } finally {
    await node.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('prepare() hears of every committed entry before its apply, and only of entries that will be applied', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-node-prepare-'));
  const events: string[] = [];
  const machine: StateMachine<number> = {
    apply: (entry) => { events.push(`apply ${entry.index}`); return entry.index; },
    prepare: (entry) => { events.push(`prepare ${entry.index}`); },
  };
  const node = await RaftNode.start<number>({ id: 'solo', dataDir: dir, listen: { host, port: 0 }, peers: {}, secret, stateMachine: machine });
  try {
    await waitFor(() => node.status().role === 'leader', 'a single voter leads');
    const indexes = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((x) => node.propose(Buffer.from(x))));
    const applied = events.filter((e) => e.startsWith('apply ')).map((e) => Number(e.slice(6)));
    const prepared = events.filter((e) => e.startsWith('prepare ')).map((e) => Number(e.slice(8)));
    assert.deepEqual(applied, indexes, 'the proposals were applied, in order');
    assert.deepEqual(prepared, applied, 'prepared exactly what was applied (not the leader\'s empty entry), once each');
    for (const index of applied) {
      assert.ok(events.indexOf(`prepare ${index}`) < events.indexOf(`apply ${index}`), `entry ${index} was prepared before it was applied`);
    }
  } finally {
    await node.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
