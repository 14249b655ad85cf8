/**
 * What FETCH and SORT/THREAD need again and again from a message, parsed once and kept in memory:
 * the header section bytes, ENVELOPE, BODY and BODYSTRUCTURE. Keyed by the message file's absolute
 * path: a message file is written once and never changes (packages/store apply-delivery.ts), so an
 * entry can never be stale. Bounded (limits.imapMessageCacheEntriesMax / BytesMax), least recently
 * used first out.
 */
import type { ImapValue } from '../wire/imap-value.js';

export interface MessageFacts {
  /** The header section, blank line included (parse it with parseHeaderBlock(header, 0)). */
  header?: Buffer;
  envelope?: ImapValue;
  body?: ImapValue;
  bodyStructure?: ImapValue;
}

interface Entry { facts: MessageFacts; bytes: number }

// ENVELOPE and BODY(STRUCTURE) values are built from the header and the part headers; twice the
// header size plus a constant is a fair estimate of what they hold.
const structureBytesEstimate = 512;

export class MessageCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(readonly entriesMax: number, readonly bytesMax: number) {}

  get size(): number { return this.entries.size; }
  get sizeBytes(): number { return this.bytes; }

  get(key: string): MessageFacts | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    // Map order is insertion order: re-inserting makes this the most recently used.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.facts;
  }

  /** Adds facts to the entry (creating it), then trims the cache to its bounds. */
  update(key: string, facts: MessageFacts): MessageFacts {
    const entry = this.entries.get(key) ?? { facts: {}, bytes: 0 };
    Object.assign(entry.facts, facts);
    this.bytes -= entry.bytes;
    entry.bytes = estimateBytes(entry.facts);
    this.bytes += entry.bytes;
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.trim();
    return entry.facts;
  }

  private trim(): void {
    while (this.entries.size > this.entriesMax || (this.bytes > this.bytesMax && this.entries.size > 1)) {
      const oldest = this.entries.entries().next();
      if (oldest.done) return;
      this.entries.delete(oldest.value[0]);
      this.bytes -= oldest.value[1].bytes;
    }
  }
}

function estimateBytes(facts: MessageFacts): number {
  const header = facts.header?.length ?? 0;
  let bytes = header + 64;
  if (facts.envelope !== undefined) bytes += header;
  if (facts.body !== undefined) bytes += structureBytesEstimate;
  if (facts.bodyStructure !== undefined) bytes += structureBytesEstimate;
  return bytes;
}
