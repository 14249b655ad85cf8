/**
 * Many byte arrays in one message between the host thread and the engine's worker, without the hidden
 * cost of structured clone (it copies the whole ArrayBuffer behind even a small view):
 *  - proposals go host → engine packed into ONE SharedArrayBuffer (`shared: true`): a single copy on
 *    the host, none on the way, and the engine's entries are views into it;
 *  - committed entries go engine → host by reference when their bytes already live in shared memory
 *    (the leader's own proposals: no copy at all), the others copied back to back into one
 *    ArrayBuffer that is transferred (a follower's entries on encrypted links, which come out of
 *    the decipher; on authenticate-only links large frames are in shared memory already).
 * Nobody writes to a payload after packing, so sharing the memory between threads is safe.
 */
export interface PackedPayloads {
  /** The copied payloads, back to back: transferred (ArrayBuffer) or shared (SharedArrayBuffer). */
  buffer: ArrayBuffer | SharedArrayBuffer;
  lengths: number[];
  /** By position: a payload that stayed where it was, in shared memory (not in `buffer`). */
  refs?: Record<number, { buffer: SharedArrayBuffer; byteOffset: number }>;
}

export interface PackOptions {
  /** Copy into a SharedArrayBuffer instead of a transferable ArrayBuffer. */
  shared?: boolean;
  /** Payloads already in a SharedArrayBuffer are referenced, not copied. */
  byReference?: boolean;
}

export function packPayloads(payloads: readonly Uint8Array[], options: PackOptions = {}): PackedPayloads {
  const lengths: number[] = [];
  let refs: PackedPayloads['refs'];
  let total = 0;
  for (const [k, p] of payloads.entries()) {
    lengths.push(p.byteLength);
    if (options.byReference === true && p.buffer instanceof SharedArrayBuffer) {
      refs ??= {};
      refs[k] = { buffer: p.buffer, byteOffset: p.byteOffset };
    } else {
      total += p.byteLength;
    }
  }
  // allocUnsafeSlow: not zero-filled (every byte is written below) and never Buffer's shared pool,
  // whose ArrayBuffer must not be transferred away.
  const buffer = options.shared === true ? new SharedArrayBuffer(total) : Buffer.allocUnsafeSlow(total).buffer as ArrayBuffer;
  const out = new Uint8Array(buffer);
  let offset = 0;
  for (const [k, p] of payloads.entries()) {
    if (refs?.[k] !== undefined) continue;
    out.set(p, offset);
    offset += p.byteLength;
  }
  return refs === undefined ? { buffer, lengths } : { buffer, lengths, refs };
}

export function unpackPayloads(packed: PackedPayloads): Uint8Array[] {
  const out: Uint8Array[] = [];
  let offset = 0;
  for (const [k, n] of packed.lengths.entries()) {
    const ref = packed.refs?.[k];
    if (ref !== undefined) {
      out.push(new Uint8Array(ref.buffer, ref.byteOffset, n));
    } else {
      out.push(new Uint8Array(packed.buffer, offset, n));
      offset += n;
    }
  }
  return out;
}

/** What to list for transfer when posting `packed`: its own buffer unless it is shared. */
export function transferList(packed: PackedPayloads): ArrayBuffer[] {
  return packed.buffer instanceof SharedArrayBuffer ? [] : [packed.buffer];
}
