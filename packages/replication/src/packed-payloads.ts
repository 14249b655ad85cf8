/**
 * Many byte arrays in one ArrayBuffer, for crossing between the host thread and the engine's worker:
 * one transfer (zero-copy) instead of cloning each array, and never the hidden cost of cloning a
 * small view together with the large buffer behind it (structured clone copies the whole buffer).
 */
export interface PackedPayloads {
  buffer: ArrayBuffer;
  lengths: number[];
}

export function packPayloads(payloads: readonly Uint8Array[]): PackedPayloads {
  let total = 0;
  for (const p of payloads) total += p.byteLength;
  const out = new Uint8Array(total);
  const lengths: number[] = [];
  let offset = 0;
  for (const p of payloads) {
    out.set(p, offset);
    offset += p.byteLength;
    lengths.push(p.byteLength);
  }
  return { buffer: out.buffer, lengths };
}

export function unpackPayloads(packed: PackedPayloads): Uint8Array[] {
  const out: Uint8Array[] = [];
  let offset = 0;
  for (const n of packed.lengths) {
    out.push(new Uint8Array(packed.buffer, offset, n));
    offset += n;
  }
  return out;
}
