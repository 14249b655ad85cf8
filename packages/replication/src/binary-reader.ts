import { WireFormatError } from './errors.js';

/** Reads what BinaryWriter wrote; every read is bounds-checked and fails with WireFormatError. */
export class BinaryReader {
  private offset = 0;
  private readonly view: DataView;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get remaining(): number {
    return this.buf.byteLength - this.offset;
  }

  u8(): number {
    this.need(1);
    return this.buf[this.offset++]!;
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.offset);
    this.offset += 4;
    return v;
  }

  u64(): number {
    this.need(8);
    const v = this.view.getUint32(this.offset) * 0x1_0000_0000 + this.view.getUint32(this.offset + 4);
    if (!Number.isSafeInteger(v)) throw new WireFormatError('u64 field over 2^53');
    this.offset += 8;
    return v;
  }

  bool(): boolean {
    const v = this.u8();
    if (v > 1) throw new WireFormatError(`bad boolean ${v}`);
    return v === 1;
  }

  str(): string {
    this.need(2);
    const n = this.view.getUint16(this.offset);
    this.offset += 2;
    this.need(n);
    const s = Buffer.from(this.buf.buffer, this.buf.byteOffset + this.offset, n).toString('utf8');
    this.offset += n;
    return s;
  }

  /** A byte array, as a view into the frame (no copy). */
  bytes(): Uint8Array {
    const n = this.u32();
    this.need(n);
    const v = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }

  /** A count of items that each take at least `minItemBytes`: refuses counts the frame cannot hold. */
  count(minItemBytes: number): number {
    const n = this.u32();
    if (n * minItemBytes > this.remaining) throw new WireFormatError(`count ${n} exceeds the frame`);
    return n;
  }

  end(): void {
    if (this.remaining !== 0) throw new WireFormatError(`${this.remaining} trailing bytes`);
  }

  private need(n: number): void {
    if (this.offset + n > this.buf.byteLength) throw new WireFormatError('truncated');
  }
}
