/**
 * Builds a binary message as a list of buffers: small fields go into a scratch buffer, large byte
 * arrays (entry data, snapshot chunks) are referenced, not copied, so a 64 KiB entry reaches the
 * socket (or the cipher) without an intermediate copy. Integers up to 2^53 are written as u64.
 */
export class BinaryWriter {
  private readonly parts: Uint8Array[] = [];
  private scratch = Buffer.allocUnsafe(4096);
  private used = 0;
  private total = 0;

  get sizeBytes(): number {
    return this.total + this.used;
  }

  u8(value: number): this {
    this.reserve(1);
    this.scratch[this.used++] = value;
    return this;
  }

  u32(value: number): this {
    this.reserve(4);
    this.scratch.writeUInt32BE(value >>> 0, this.used);
    this.used += 4;
    return this;
  }

  u64(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`u64 field out of range: ${value}`);
    this.reserve(8);
    this.scratch.writeUInt32BE(Math.floor(value / 0x1_0000_0000), this.used);
    this.scratch.writeUInt32BE(value >>> 0, this.used + 4);
    this.used += 8;
    return this;
  }

  bool(value: boolean): this {
    return this.u8(value ? 1 : 0);
  }

  /** A short UTF-8 string (member ids, addresses): u16 length + bytes. */
  str(value: string): this {
    const bytes = Buffer.from(value, 'utf8');
    if (bytes.length > 0xffff) throw new RangeError('string field over 65535 bytes');
    this.reserve(2 + bytes.length);
    this.scratch.writeUInt16BE(bytes.length, this.used);
    bytes.copy(this.scratch, this.used + 2);
    this.used += 2 + bytes.length;
    return this;
  }

  /** A byte array: u32 length + bytes; arrays over 512 bytes are referenced rather than copied. */
  bytes(value: Uint8Array): this {
    this.u32(value.byteLength);
    if (value.byteLength <= 512) {
      this.reserve(value.byteLength);
      this.scratch.set(value, this.used);
      this.used += value.byteLength;
    } else {
      this.cut();
      this.parts.push(value);
      this.total += value.byteLength;
    }
    return this;
  }

  /** The encoded message as a list of buffers (concatenate, or write them in order). */
  finish(): Uint8Array[] {
    this.cut();
    return this.parts;
  }

  private cut(): void {
    if (this.used === 0) return;
    this.parts.push(this.scratch.subarray(0, this.used));
    this.total += this.used;
    this.scratch = this.scratch.subarray(this.used);
    this.used = 0;
  }

  private reserve(n: number): void {
    if (this.scratch.length - this.used >= n) return;
    this.cut();
    this.scratch = Buffer.allocUnsafe(Math.max(4096, n));
  }
}
