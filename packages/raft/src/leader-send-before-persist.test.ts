// Goal: thesis §10.2.1 — a leader may send its new entries before persisting them (the one exception to
// "persist before send" on Ready): no commit that counts its own unpersisted copy can leave the core
// before advance(), and the test shows what would be lost if one did.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from './message.js';
import { RawNode } from './raw-node.js';
import { MemCluster, bytes, drain, handleReady } from './test-support/mem-cluster.js';
import type { Member } from './test-support/mem-cluster.js';

const ids3 = ['1', '2', '3'];
/** Figure 2 as written, so member 3 can be elected at once in the crash scenario. */
const vanilla = { preVote: false, checkQuorum: false };

/**
 * Leader 1 proposes `data`, takes the Ready and sends it BEFORE persisting (the driver's exception);
 * member 2 persists and acknowledges; the acknowledgement reaches the leader while its own fsync is
 * still running. Member 3 gets nothing. Returns the Ready the leader has not persisted yet.
 */
function sendBeforePersist(c: MemCluster, data: string): { rd: ReturnType<RawNode['ready']>; index: number; leaked: Message[] } {
  const l = c.get('1');
  l.raw.propose(bytes(data));
  const rd = l.raw.ready();
  const index = rd.entries[rd.entries.length - 1]!.index;
  for (const m of rd.messages.filter((x) => x.to === '2')) c.get('2').raw.step(m);
  for (const m of drain(c.get('2'))) l.raw.step(m);
  return { rd, index, leaked: rd.messages };
}

test('thesis §10.2.1: an acknowledgement that counts the leader\'s unpersisted copy moves commit only in memory until advance()', () => {
  const c = MemCluster.of(ids3, { config: vanilla });
  c.elect('1');
  const l = c.get('1');
  const { rd, index, leaked } = sendBeforePersist(c, 'x');
  assert.equal(c.get('2').storage.lastIndex(), index, 'member 2 persisted x');
  // The core counts its own copy at append time, so in memory x is "committed" by 1 + 2 ...
  assert.equal(l.raw.status().commit, index);
  // ... but nothing a driver acts on carries it: the Ready in hand was taken before the
  // acknowledgement, and no other Ready exists until this one is advanced.
  assert.ok(rd.committedEntries.every((e) => e.index < index), 'x is not handed out for applying');
  assert.ok(leaked.every((m) => m.commit < index), 'no message tells a follower that x is committed');
  assert.equal(l.raw.hasReady(), false);
  // Once the leader's own write is durable, the next Ready applies x and spreads its commit.
  handleReady(l, rd);
  const next = l.raw.ready();
  assert.deepEqual(next.committedEntries.map((e) => new TextDecoder().decode(e.data)), ['x']);
  assert.ok(next.messages.some((m) => m.commit === index));
});

test('thesis §10.2.1, why it matters: the leader crashes before its fsync; x was on one disk only and is overwritten — it was never acknowledged', () => {
  const c = MemCluster.of(ids3, { config: vanilla });
  c.elect('1');
  const l = c.get('1');
  const { rd, index } = sendBeforePersist(c, 'x');
  assert.ok(rd.committedEntries.every((e) => e.index < index));
  // Crash: the Ready is lost (never persisted, never advanced); the member restarts from its disk.
  const restarted: Member = { ...l, raw: new RawNode(l.config, l.storage), applied: [] };
  c.members.set('1', restarted);
  assert.equal(restarted.raw.status().lastIndex, index - 1, 'x did not survive on the leader');
  // Members 1 and 3 are a majority that never held x: 3 wins with 1's vote and fills index x with y.
  c.cut('2', '3');
  c.elect('3');
  assert.deepEqual(c.leaderIds(), ['3']);
  c.get('3').raw.propose(bytes('y'));
  c.stabilize();
  c.heal();
  c.get('3').raw.propose(bytes('z'));
  c.tickAll(2); // a heartbeat reply resumes the probe of member 2, which drops x for y (Raft §5.3)
  for (const id of ids3) {
    assert.deepEqual(c.get(id).applied.filter((d) => d !== 'x'), c.get(id).applied, `member ${id} never applied x`);
    assert.deepEqual(c.get(id).applied.slice(-2), ['y', 'z'], `member ${id}`);
  }
  const atIndex = c.get('2').storage.entries(index, index + 1)[0]!;
  assert.deepEqual([atIndex.term, atIndex.data.byteLength], [2, 0], 'member 2 replaced x by leader 3\'s no-op: had x been acknowledged, that would be a lost write');
});
