import type { Message, NodeId } from '@tandem/raft';
import { decodeAck, encodeChunk, encodeOffer } from './snapshot-frames.js';
import type { FileSnapshotStore, SnapshotMeta } from './snapshot-store.js';
import { FrameKind } from './secure-connection.js';

/**
 * Streams snapshots to lagging followers (Raft §7): offer, then chunks from the receiver's resume
 * point, at most chunksInflightMax unacknowledged chunks per transfer (bounded memory, and the
 * transport's in-flight budget is never the one that gives). The outcome goes back to the core
 * through `report` (RawNode.reportSnapshot): 'finish' once the receiver committed the snapshot,
 * 'failure' on a refused frame, a failed receiver, or silence for idleTimeoutMs.
 */
export interface SnapshotTransferStatus {
  peer: NodeId;
  direction: 'send' | 'receive';
  index: number;
  term: number;
  bytesDone: number;
  bytesTotal: number;
}

export interface SnapshotSenderOptions {
  chunkBytes: number;
  chunksInflightMax: number;
  idleTimeoutMs: number;
}

interface Transfer {
  to: NodeId;
  meta: SnapshotMeta;
  acked: number;
  sent: number;
  lastHeardMs: number;
  pumping: boolean;
}

export class SnapshotSender {
  private readonly transfers = new Map<NodeId, Transfer>();

  constructor(
    private readonly store: FileSnapshotStore,
    private readonly sendFrame: (to: NodeId, kind: number, parts: readonly Uint8Array[]) => boolean,
    private readonly report: (to: NodeId, result: 'finish' | 'failure') => void,
    private readonly options: SnapshotSenderOptions,
  ) {}

  /** Starts sending `meta` to message.to, unless that very snapshot is already on its way. */
  start(message: Message, meta: SnapshotMeta): void {
    const current = this.transfers.get(message.to);
    if (current !== undefined && current.meta.index === meta.index && current.meta.term === meta.term) return;
    const t: Transfer = { to: message.to, meta, acked: 0, sent: 0, lastHeardMs: performance.now(), pumping: false };
    this.transfers.set(message.to, t);
    if (!this.sendFrame(t.to, FrameKind.snapshotOffer, encodeOffer({ meta, message }))) this.finish(t, 'failure');
  }

  onAck(from: NodeId, body: Uint8Array): void {
    const t = this.transfers.get(from);
    const ack = decodeAck(body);
    if (t === undefined || ack.index !== t.meta.index || ack.term !== t.meta.term) return;
    t.lastHeardMs = performance.now();
    if (ack.failed) return this.finish(t, 'failure');
    if (ack.done) return this.finish(t, 'finish');
    t.acked = ack.offset;
    if (t.sent < t.acked || ack.offset < t.sent - this.options.chunkBytes * this.options.chunksInflightMax) t.sent = t.acked;
    void this.pump(t);
  }

  /** Fails transfers that heard nothing for idleTimeoutMs (the link or the receiver died). */
  checkTimeouts(): void {
    const now = performance.now();
    for (const t of [...this.transfers.values()]) {
      if (now - t.lastHeardMs > this.options.idleTimeoutMs) this.finish(t, 'failure');
    }
  }

  /** A peer left or the link to it died: its transfer cannot finish. */
  cancel(to: NodeId): void {
    const t = this.transfers.get(to);
    if (t !== undefined) this.finish(t, 'failure');
  }

  status(): SnapshotTransferStatus[] {
    return [...this.transfers.values()].map((t) => ({
      peer: t.to, direction: 'send', index: t.meta.index, term: t.meta.term, bytesDone: t.acked, bytesTotal: t.meta.sizeBytes,
    }));
  }

  private async pump(t: Transfer): Promise<void> {
    if (t.pumping) return;
    t.pumping = true;
    try {
      const window = this.options.chunkBytes * this.options.chunksInflightMax;
      while (this.transfers.get(t.to) === t && t.sent < t.meta.sizeBytes && t.sent - t.acked < window) {
        const offset = t.sent;
        const data = await this.store.readChunk(t.meta, offset, this.options.chunkBytes);
        if (this.transfers.get(t.to) !== t || offset !== t.sent) continue;
        if (!this.sendFrame(t.to, FrameKind.snapshotChunk, encodeChunk({ index: t.meta.index, term: t.meta.term, offset, data }))) {
          this.finish(t, 'failure');
          return;
        }
        t.sent = offset + data.byteLength;
      }
    } catch {
      // The snapshot file vanished (a newer snapshot replaced it): the core will offer the new one.
      this.finish(t, 'failure');
    } finally {
      t.pumping = false;
    }
  }

  private finish(t: Transfer, result: 'finish' | 'failure'): void {
    if (this.transfers.get(t.to) !== t) return;
    this.transfers.delete(t.to);
    this.report(t.to, result);
  }
}
