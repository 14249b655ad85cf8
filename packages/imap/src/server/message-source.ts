/**
 * Reads message files for FETCH, SEARCH, SORT and THREAD, and fills the MessageCache. Reading only
 * the header (the first block of the file) is enough for ENVELOPE, header sections and most SORT
 * and SEARCH keys, which keeps FETCH (FLAGS UID ENVELOPE) over a large mailbox cheap; the parsed
 * header and the decoded values SEARCH matched are cached too, so a second SEARCH SUBJECT over the
 * mailbox reads and parses nothing. A file that is gone (the message was expunged and the client
 * has not been told yet) reads as null.
 *
 * A whole message's MIME structure is parsed only when something asks for it (BODY[1],
 * BODYSTRUCTURE, SEARCH BODY): FETCH BODY[] and RFC822 send the bytes as they are.
 */
import { parseHeaderBlock } from '../mime/header-block.js';
import type { HeaderBlock } from '../mime/header-block.js';
import { decodedHeaderValues } from '../mime/header-fields.js';
import { parseMimeMessage } from '../mime/mime-part.js';
import type { MimePart } from '../mime/mime-part.js';
import { buildEnvelope } from '../mime/envelope.js';
import { buildBodyStructure } from '../mime/body-structure.js';
import type { ImapValue } from '../wire/imap-value.js';
import type { MessageCache, MessageFacts, WireItem } from './message-cache.js';
import { MessageFileReader } from './message-file-reader.js';
import { preEncodedValue } from './pre-encoded-value.js';

export interface MessageHeader {
  readonly buf: Buffer;
  readonly header: HeaderBlock;
}

export interface ParsedMessage {
  readonly buf: Buffer;
  /** The MIME structure (parsed on first use). */
  readonly root: MimePart;
  /** Where the body starts (the end of the top-level header), without parsing the structure. */
  readonly headerEnd: number;
}

/** A whole message whose MIME structure is parsed the first time someone asks for it. */
class LazyParsedMessage implements ParsedMessage {
  private parsedRoot: MimePart | undefined;
  private parsedHeaderEnd: number | undefined;

  constructor(readonly buf: Buffer) {}

  get root(): MimePart {
    return (this.parsedRoot ??= parseMimeMessage(this.buf));
  }

  get headerEnd(): number {
    // The top-level header has no enclosing boundary, so the header block alone gives its end.
    this.parsedHeaderEnd ??= this.parsedRoot ? this.parsedRoot.header.end : parseHeaderBlock(this.buf, 0).end;
    return this.parsedHeaderEnd;
  }
}

/** Most headers fit; a longer one costs a second read of the whole file. */
const headerProbeBytes = 16 * 1024;

export class MessageSource {
  constructor(private readonly cache: MessageCache, readonly files: MessageFileReader = new MessageFileReader()) {}

  /** Whole message bytes, or null when the file is gone. `sizeBytes`: the size the index records. */
  bytes(path: string, sizeBytes?: number): Promise<Buffer | null> {
    return this.files.whole(path, sizeBytes);
  }

  /** Whole message, its MIME structure parsed on demand. */
  async parsed(path: string, sizeBytes?: number): Promise<ParsedMessage | null> {
    const buf = await this.bytes(path, sizeBytes);
    return buf && new LazyParsedMessage(buf);
  }

  /** The header section of a cache entry (its field offsets parsed once), or undefined. */
  headerFromFacts(path: string, facts: MessageFacts): MessageHeader | undefined {
    if (!facts.header) return undefined;
    const block = facts.headerBlock ?? this.cache.update(path, { headerBlock: parseHeaderBlock(facts.header, 0) }).headerBlock!;
    return { buf: facts.header, header: block };
  }

  /** The header section only (from the cache, or from the start of the file). */
  async header(path: string): Promise<MessageHeader | null> {
    const facts = this.cache.get(path);
    const cached = facts && this.headerFromFacts(path, facts);
    if (cached) return cached;
    const buf = await this.readHeaderBytes(path);
    if (!buf) return null;
    const header = parseHeaderBlock(buf, 0);
    // A copy, so the cache does not pin the larger read buffer; the offsets are the same in it.
    const own = Buffer.from(buf.subarray(0, header.end));
    this.cache.update(path, { header: own, headerBlock: header });
    return { buf: own, header };
  }

  async envelope(path: string): Promise<ImapValue | undefined> {
    const cached = this.cache.get(path)?.envelope;
    if (cached !== undefined) return cached;
    const h = await this.header(path);
    if (!h) return undefined;
    const envelope = buildEnvelope(h.buf, h.header);
    this.cache.update(path, { envelope });
    return envelope;
  }

  /**
   * A cached ENVELOPE, BODY or BODYSTRUCTURE ready for the wire (pre-encoded-value.ts), or
   * undefined when the cache does not hold the value.
   */
  wireValue(facts: MessageFacts, path: string, item: WireItem, utf8: boolean): ImapValue | undefined {
    const value = item === 'ENVELOPE' ? facts.envelope : item === 'BODY' ? facts.body : facts.bodyStructure;
    if (value === undefined) return undefined;
    const forms = facts.wire?.[item];
    const wire = utf8 ? forms?.utf8 : forms?.ascii;
    if (wire !== undefined) return wire;
    const encoded = preEncodedValue(value, utf8);
    this.cache.update(path, { wire: { ...facts.wire, [item]: { ...forms, [utf8 ? 'utf8' : 'ascii']: encoded } } });
    return encoded;
  }

  /** BODY (extended false) or BODYSTRUCTURE; `parsed` saves a read when the caller has the message. */
  async structure(path: string, extended: boolean, parsed?: ParsedMessage | null, sizeBytes?: number): Promise<ImapValue | undefined> {
    const facts = this.cache.get(path);
    const cached = extended ? facts?.bodyStructure : facts?.body;
    if (cached !== undefined) return cached;
    const message = parsed ?? await this.parsed(path, sizeBytes);
    if (!message) return undefined;
    const update: MessageFacts = {
      body: buildBodyStructure(message.buf, message.root, false),
      bodyStructure: buildBodyStructure(message.buf, message.root, true),
    };
    if (!facts?.header) {
      update.header = Buffer.from(message.buf.subarray(0, message.root.header.end));
      update.headerBlock = parseHeaderBlock(update.header, 0);
    }
    this.cache.update(path, update);
    return extended ? update.bodyStructure : update.body;
  }

  /**
   * Decoded, lower-cased text of every field with this (lower-case) name, as SEARCH FROM, SUBJECT,
   * HEADER ... match it (RFC 9051 §6.4.4); remembered in the message's cache entry when it has one.
   */
  searchFieldValues(path: string | undefined, facts: MessageFacts | undefined, h: MessageHeader, lowerName: string): readonly string[] {
    const cached = facts?.searchFields?.get(lowerName);
    if (cached) return cached;
    const values = decodedHeaderValues(h.buf, h.header, lowerName).map((v) => v.toLowerCase());
    if (facts && path !== undefined) {
      const fields = facts.searchFields ?? new Map<string, readonly string[]>();
      fields.set(lowerName, values);
      this.cache.update(path, { searchFields: fields });
    }
    return values;
  }

  /** What the cache holds for this file now (no read). */
  facts(path: string): MessageFacts | undefined {
    return this.cache.get(path);
  }

  /** True when the cache already holds what `needs` asks for (no file read needed). */
  cached(path: string, needs: { envelope: boolean; body: boolean; bodyStructure: boolean; header: boolean }): boolean {
    const facts = this.cache.get(path);
    if (!facts) return !needs.envelope && !needs.body && !needs.bodyStructure && !needs.header;
    return (!needs.envelope || facts.envelope !== undefined) && (!needs.body || facts.body !== undefined)
      && (!needs.bodyStructure || facts.bodyStructure !== undefined) && (!needs.header || facts.header !== undefined);
  }

  /** Drops what is cached for a message that was expunged (its file is gone for good). */
  forget(path: string): void {
    this.cache.delete(path);
  }

  private async readHeaderBytes(path: string): Promise<Buffer | null> {
    const head = await this.files.head(path, headerProbeBytes);
    if (!head) return null;
    if (head.length < headerProbeBytes || parseHeaderBlock(head, 0).terminator === 'empty-line') return head;
    return this.files.whole(path);
  }
}
