// Goal: the Raft command log answers with apply()'s result, refuses only what was never proposed, and turns every "may still commit" into OutcomeUnknownError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DegradedError, LeadershipLostError, NodeClosedError, NotLeaderError as RaftNotLeaderError, TimeoutError } from '@tandem/replication';
import { decodeCommand, LogClosedError, NotLeaderError, OutcomeUnknownError, type ApplyResult, type Command } from '@tandem/store';
import { DegradedRefusalError, ReplicatedCommandLog, type ApplyingProposer } from './replicated-command-log.js';

const command: Command = { type: 'domain.add', domain: 'example.test', timestampMs: 1_700_000_000_000 };

/** Proposes by applying at once (index = count), or fails with the queued error. */
class FakeNode implements ApplyingProposer {
  proposed: Command[] = [];
  failWith: Error | undefined;
  async propose(data: Uint8Array): Promise<ApplyResult> {
    if (this.failWith) throw this.failWith;
    this.proposed.push(decodeCommand(data));
    return { ok: true, index: this.proposed.length, value: null };
  }
}

test('propose resolves with the apply result of the command as decoded from the log bytes', async () => {
  const node = new FakeNode();
  const log = new ReplicatedCommandLog({ node});
  assert.deepEqual(await log.propose(command), { ok: true, index: 1, value: null });
  assert.deepEqual(node.proposed, [command]);
  assert.equal(log.stats().proposed, 1);
});

test('replication errors map to the seam: not leader / closed are refusals, lost leadership and timeout are unknown outcomes', async () => {
  const node = new FakeNode();
  const log = new ReplicatedCommandLog({ node});
  node.failWith = new RaftNotLeaderError('b');
  await assert.rejects(log.propose(command), (err) => err instanceof NotLeaderError && err.leaderHint === 'b');
  node.failWith = new LeadershipLostError(7, 3);
  await assert.rejects(log.propose(command), (err) => err instanceof OutcomeUnknownError && /entry 7/.test(err.message));
  node.failWith = new TimeoutError(10_000);
  await assert.rejects(log.propose(command), OutcomeUnknownError);
  node.failWith = new NodeClosedError();
  await assert.rejects(log.propose(command), LogClosedError);
  assert.deepEqual({ ...log.stats(), proposed: 0 }, { proposed: 0, refusedNotLeader: 1, refusedDegraded: 0, outcomeUnknown: 2, inFlight: 0 });
});

test('degraded + refuse (the engine refused before the log): a NotLeaderError, so 451 / NO [UNAVAILABLE]', async () => {
  const node = new FakeNode();
  const log = new ReplicatedCommandLog({ node });
  node.failWith = new DegradedError(['b']);
  await assert.rejects(log.propose(command), (err) => err instanceof DegradedRefusalError && err instanceof NotLeaderError && /data node b down/.test(err.message));
  assert.equal(log.stats().refusedDegraded, 1);
});

test('close refuses new proposals and waits for those in flight', async () => {
  let release!: () => void;
  const node: ApplyingProposer = { propose: () => new Promise((resolve) => { release = () => resolve({ ok: true, index: 9, value: null }); }) };
  const log = new ReplicatedCommandLog({ node});
  const pending = log.propose(command);
  let closed = false;
  const closing = log.close().then(() => { closed = true; });
  await assert.rejects(log.propose(command), LogClosedError);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(closed, false);
  release();
  assert.equal((await pending).index, 9);
  await closing;
  assert.equal(closed, true);
});
