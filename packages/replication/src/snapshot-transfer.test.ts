// Goal: a snapshot stream resumes after a broken link from the receiver's offset, reports progress, and only a complete, CRC-checked snapshot reaches the core.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { newMessage, type Message } from '@tandem/raft';
import { FileSnapshotStore, type SnapshotMeta } from './snapshot-store.js';
import { SnapshotSender } from './snapshot-sender.js';
import { SnapshotReceiver } from './snapshot-receiver.js';
import { FrameKind } from './secure-connection.js';

const membership = { voters: ['a', 'b'], witnesses: [], learners: [] };

test('a transfer cut after some chunks resumes from the receiver offset and completes exactly once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-transfer-'));
  try {
    const leaderStore = FileSnapshotStore.open({ dir: join(dir, 'leader') });
    const followerStore = FileSnapshotStore.open({ dir: join(dir, 'follower') });
    const data = randomBytes(10_000);
    const w = await leaderStore.create({ index: 40, term: 3, membership });
    await w.write(data);
    const meta = await w.commit();

    const reports: string[] = [];
    const installed: Array<{ message: Message; meta: SnapshotMeta }> = [];
    const chunkOffsets: number[] = [];
    let linkUp = true;
    let chunksBeforeCut = 3;
    const receiver = new SnapshotReceiver(followerStore, (message, m) => installed.push({ message, meta: m }));
    const sender = new SnapshotSender(leaderStore, (to, kind, parts) => {
      if (!linkUp) return false;
      const body = Buffer.concat(parts);
      if (kind === FrameKind.snapshotChunk && chunksBeforeCut-- <= 0) {
        linkUp = false; // the cable is cut: this chunk and everything after it is lost
        return true;
      }
      if (kind === FrameKind.snapshotChunk) chunkOffsets.push(Number(body.readBigUInt64BE(16)));
      receiver.onFrame('a', kind, body, (k, p) => setImmediate(() => sender.onAck(to, Buffer.concat(p))));
      return true;
    }, (to, result) => reports.push(`${to}:${result}`), { chunkBytes: 1000, chunksInflightMax: 2, idleTimeoutMs: 50 });

    const msg = { ...newMessage('installSnapshot', 'a', 'b', 3), snapshot: { metadata: { index: 40, term: 3, membership }, data: new Uint8Array() } };
    sender.start(msg, meta);
    await waitFor(() => receiver.status()[0]?.bytesDone === 3000, 'three chunks landed');
    assert.deepEqual(receiver.status()[0], { peer: 'a', direction: 'receive', index: 40, term: 3, bytesDone: 3000, bytesTotal: 10_000 });
    await waitFor(() => { sender.checkTimeouts(); return reports.length === 1; }, 'the silent transfer fails');
    assert.deepEqual(reports, ['b:failure']);
    assert.equal(installed.length, 0, 'nothing reached the core');

    linkUp = true;
    chunksBeforeCut = Number.POSITIVE_INFINITY;
    chunkOffsets.length = 0;
    sender.start(msg, meta); // the core offers the snapshot again
    await waitFor(() => reports.length === 2, 'second transfer ends');
    assert.deepEqual(reports, ['b:failure', 'b:finish']);
    assert.equal(chunkOffsets[0], 3000, 'resumed where the receiver stopped');
    assert.equal(installed.length, 1);
    assert.deepEqual(installed[0]!.meta, meta);
    assert.equal(installed[0]!.message.type, 'installSnapshot');
    const back: Uint8Array[] = [];
    for await (const chunk of followerStore.stream(followerStore.latest()!)) back.push(chunk);
    assert.deepEqual(Buffer.concat(back), data);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

async function waitFor(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
