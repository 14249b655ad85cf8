/**
 * What FETCH, SEARCH and SORT/THREAD need again and again from a message, parsed once and kept in
 * memory: the header section (bytes and parsed field offsets), ENVELOPE, BODY and BODYSTRUCTURE
 * (as values and as wire text), and the decoded header values SEARCH matched against.
 *
 * Keyed by the message file's absolute path, which names the user (their Maildir root), the
 * mailbox (its folder) and the message (a file name that is unique and never reused). A message
 * file is written once and never changes (packages/store apply-delivery.ts), so an entry can never
 * be stale; flags live in the index and are never cached here. An expunged message's entry is
 * dropped (MailboxChangeHub calls delete) so it does not hold memory until it ages out.
 *
 * Bounded (limits.imapMessageCacheEntriesMax / BytesMax), least recently used first out. The
 * recency order is a doubly linked list, so a hit moves two pointers instead of deleting and
 * re-inserting a Map key (a SEARCH over 10,000 cached headers hits 10,000 times).
 */
import type { HeaderBlock } from '../mime/header-block.js';
import type { ImapValue } from '../wire/imap-value.js';

export interface MessageFacts {
  /** The header section, blank line included. */
  header?: Buffer;
  /** `header` parsed (parseHeaderBlock(header, 0)), so no SEARCH parses it again. */
  headerBlock?: HeaderBlock;
  envelope?: ImapValue;
  body?: ImapValue;
  bodyStructure?: ImapValue;
  /** Those three encoded for the wire (pre-encoded-value.ts), per item and client mode. */
  wire?: { [item in WireItem]?: WireForms };
  /** Decoded, lower-cased values of the header fields SEARCH asked about, by lower-case name. */
  searchFields?: Map<string, readonly string[]>;
}

export type WireItem = 'ENVELOPE' | 'BODY' | 'BODYSTRUCTURE';

/** A value as a 7-bit client gets it, and as a UTF8=ACCEPT client does (RFC 6855 §3). */
export interface WireForms { ascii?: ImapValue; utf8?: ImapValue }

interface Entry {
  readonly key: string;
  facts: MessageFacts;
  bytes: number;
  /** Toward the most recently used end. */
  newer: Entry | null;
  /** Toward the least recently used end. */
  older: Entry | null;
}

// ENVELOPE and BODY(STRUCTURE) values are built from the header and the part headers; the header
// size plus a constant is a fair estimate of what each holds. A parsed field is five numbers.
const structureBytesEstimate = 512;
const headerFieldBytesEstimate = 64;
const entryBytesEstimate = 64;

export class MessageCache {
  private readonly entries = new Map<string, Entry>();
  private newest: Entry | null = null;
  private oldest: Entry | null = null;
  private bytes = 0;

  constructor(readonly entriesMax: number, readonly bytesMax: number) {}

  get size(): number { return this.entries.size; }
  get sizeBytes(): number { return this.bytes; }

  /** The entry's facts (it becomes the most recently used), or undefined. */
  get(key: string): MessageFacts | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.touch(entry);
    return entry.facts;
  }

  /** Adds facts to the entry (creating it), then trims the cache to its bounds. */
  update(key: string, facts: MessageFacts): MessageFacts {
    let entry = this.entries.get(key);
    if (entry) {
      this.touch(entry);
    } else {
      entry = { key, facts: {}, bytes: 0, newer: null, older: null };
      this.entries.set(key, entry);
      this.linkNewest(entry);
    }
    Object.assign(entry.facts, facts);
    this.bytes -= entry.bytes;
    entry.bytes = estimateBytes(entry.facts);
    this.bytes += entry.bytes;
    this.trim();
    return entry.facts;
  }

  /** Forgets one message (it was expunged); true when it was cached. */
  delete(key: string): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    this.remove(entry);
    return true;
  }

  private trim(): void {
    while (this.oldest && (this.entries.size > this.entriesMax || (this.bytes > this.bytesMax && this.entries.size > 1))) {
      this.remove(this.oldest);
    }
  }

  private remove(entry: Entry): void {
    this.entries.delete(entry.key);
    this.unlink(entry);
    this.bytes -= entry.bytes;
  }

  private touch(entry: Entry): void {
    if (entry === this.newest) return;
    this.unlink(entry);
    this.linkNewest(entry);
  }

  private linkNewest(entry: Entry): void {
    entry.older = this.newest;
    entry.newer = null;
    if (this.newest) this.newest.newer = entry;
    this.newest = entry;
    if (!this.oldest) this.oldest = entry;
  }

  private unlink(entry: Entry): void {
    if (entry.newer) entry.newer.older = entry.older;
    else this.newest = entry.older;
    if (entry.older) entry.older.newer = entry.newer;
    else this.oldest = entry.newer;
    entry.newer = null;
    entry.older = null;
  }
}

function estimateBytes(facts: MessageFacts): number {
  const header = facts.header?.length ?? 0;
  let bytes = entryBytesEstimate + header;
  if (facts.headerBlock !== undefined) bytes += facts.headerBlock.fields.length * headerFieldBytesEstimate;
  if (facts.envelope !== undefined) bytes += header;
  if (facts.body !== undefined) bytes += structureBytesEstimate;
  if (facts.bodyStructure !== undefined) bytes += structureBytesEstimate;
  if (facts.wire) {
    for (const [item, forms] of Object.entries(facts.wire)) {
      const each = item === 'ENVELOPE' ? header : structureBytesEstimate;
      if (forms?.ascii !== undefined) bytes += each;
      if (forms?.utf8 !== undefined) bytes += each;
    }
  }
  if (facts.searchFields) {
    for (const [name, values] of facts.searchFields) {
      bytes += name.length + 32;
      for (const v of values) bytes += 2 * v.length + 16;
    }
  }
  return bytes;
}
