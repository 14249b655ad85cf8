import type { LogRecord } from './log-record.js';

/** Recently appended records, a contiguous window [firstIndex, firstIndex + length), oldest evicted first. */
export class LogCache {
  private records: LogRecord[] = [];
  private head = 0;
  private firstIndex = 0;
  private bytes = 0;

  constructor(private readonly bytesMax: number) {}

  get(index: number): LogRecord | undefined {
    const k = index - this.firstIndex;
    return k >= 0 && k < this.records.length - this.head ? this.records[this.head + k] : undefined;
  }

  put(record: LogRecord): void {
    const size = this.records.length - this.head;
    if (size > 0 && record.index !== this.firstIndex + size) this.clear();
    if (this.records.length - this.head === 0) {
      this.records = [];
      this.head = 0;
      this.firstIndex = record.index;
    }
    this.records.push(record);
    this.bytes += record.body.byteLength;
    while (this.bytes > this.bytesMax && this.head < this.records.length) {
      this.bytes -= this.records[this.head]!.body.byteLength;
      this.records[this.head] = undefined as unknown as LogRecord;
      this.head++;
      this.firstIndex++;
    }
    if (this.head > 4096 && this.head * 2 > this.records.length) {
      this.records = this.records.slice(this.head);
      this.head = 0;
    }
  }

  dropFrom(index: number): void {
    const keep = Math.max(0, index - this.firstIndex);
    while (this.records.length - this.head > keep) this.bytes -= this.records.pop()!.body.byteLength;
  }

  dropBefore(index: number): void {
    while (this.records.length - this.head > 0 && this.firstIndex < index) {
      this.bytes -= this.records[this.head]!.body.byteLength;
      this.head++;
      this.firstIndex++;
    }
  }

  clear(): void {
    this.records = [];
    this.head = 0;
    this.bytes = 0;
  }
}
