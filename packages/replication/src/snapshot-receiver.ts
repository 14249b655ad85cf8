import type { Message, NodeId } from '@tandem/raft';
import { CorruptionError } from './errors.js';
import { decodeChunk, decodeOffer, encodeAck, type SnapshotAck } from './snapshot-frames.js';
import type { FileSnapshotStore, SnapshotMeta, SnapshotWriter } from './snapshot-store.js';
import type { SnapshotTransferStatus } from './snapshot-sender.js';
import { FrameKind } from './secure-connection.js';

/**
 * Receives snapshot streams (see snapshot-sender.ts). Chunks are written in order to a partial file
 * that survives a broken link, so a new offer of the same snapshot resumes where the old one
 * stopped. Once all bytes are in and the CRC matches, the snapshot is committed to the store and
 * only then is the core's installSnapshot message handed on (`onComplete`): the core must never
 * learn of a snapshot whose data is not durable.
 */
type Reply = (kind: number, parts: Uint8Array[]) => void;

interface Incoming {
  from: NodeId;
  meta: SnapshotMeta;
  message: Message;
  writer: SnapshotWriter | undefined;
  chain: Promise<void>;
}

export class SnapshotReceiver {
  private readonly incoming = new Map<NodeId, Incoming>();

  constructor(
    private readonly store: FileSnapshotStore,
    private readonly onComplete: (message: Message, meta: SnapshotMeta) => void,
  ) {}

  onFrame(from: NodeId, kind: number, body: Uint8Array, reply: Reply): void {
    if (kind === FrameKind.snapshotOffer) this.onOffer(from, body, reply);
    else if (kind === FrameKind.snapshotChunk) this.onChunk(from, body, reply);
  }

  status(): SnapshotTransferStatus[] {
    return [...this.incoming.values()].map((t) => ({
      peer: t.from, direction: 'receive', index: t.meta.index, term: t.meta.term,
      bytesDone: t.writer?.progress().bytesDone ?? 0, bytesTotal: t.meta.sizeBytes,
    }));
  }

  private onOffer(from: NodeId, body: Uint8Array, reply: Reply): void {
    const { meta, message } = decodeOffer(body);
    const current = this.incoming.get(from);
    if (current !== undefined && current.meta.index === meta.index && current.meta.term === meta.term) {
      current.chain = current.chain.then(() => this.ack(current, reply, false));
      return;
    }
    if (current !== undefined) void current.chain.then(() => current.writer?.abort(true));
    const t: Incoming = { from, meta, message, writer: undefined, chain: Promise.resolve() };
    this.incoming.set(from, t);
    t.chain = (async () => {
      const existing = this.store.find(meta.index, meta.term);
      if (existing !== undefined) return this.complete(t, existing, reply);
      t.writer = await this.store.receive(meta);
      if (t.writer.progress().bytesDone === meta.sizeBytes) return this.commit(t, reply);
      this.ack(t, reply, false);
    })().catch(() => this.fail(t, reply));
  }

  private onChunk(from: NodeId, body: Uint8Array, reply: Reply): void {
    const chunk = decodeChunk(body);
    const t = this.incoming.get(from);
    if (t === undefined || chunk.index !== t.meta.index || chunk.term !== t.meta.term) return;
    t.chain = t.chain.then(async () => {
      const writer = t.writer;
      if (writer === undefined || this.incoming.get(from) !== t) return;
      if (chunk.offset !== writer.progress().bytesDone) return this.ack(t, reply, false); // sender rewinds
      await writer.write(chunk.data, chunk.offset);
      if (writer.progress().bytesDone === t.meta.sizeBytes) return this.commit(t, reply);
      this.ack(t, reply, false);
    }).catch(() => this.fail(t, reply));
  }

  private async commit(t: Incoming, reply: Reply): Promise<void> {
    try {
      const meta = await t.writer!.commit();
      this.complete(t, meta, reply);
    } catch (e) {
      if (!(e instanceof CorruptionError)) throw e;
      this.fail(t, reply);
    }
  }

  private complete(t: Incoming, meta: SnapshotMeta, reply: Reply): void {
    this.incoming.delete(t.from);
    reply(FrameKind.snapshotAck, encodeAck({ index: meta.index, term: meta.term, offset: meta.sizeBytes, done: true, failed: false }));
    this.onComplete(t.message, meta);
  }

  private fail(t: Incoming, reply: Reply): void {
    if (this.incoming.get(t.from) === t) this.incoming.delete(t.from);
    void t.writer?.abort(true);
    this.ack(t, reply, true);
  }

  private ack(t: Incoming, reply: Reply, failed: boolean): void {
    const a: SnapshotAck = {
      index: t.meta.index, term: t.meta.term, offset: t.writer?.progress().bytesDone ?? 0, done: false, failed,
    };
    reply(FrameKind.snapshotAck, encodeAck(a));
  }
}
