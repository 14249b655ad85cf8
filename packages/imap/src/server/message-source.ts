/**
 * Reads message files for FETCH, SEARCH, SORT and THREAD, and fills the MessageCache. Reading only
 * the header (the first block of the file) is enough for ENVELOPE, header sections and most SORT
 * keys, which keeps FETCH (FLAGS UID ENVELOPE) over a large mailbox cheap. A file that is gone
 * (the message was expunged and the client has not been told yet) reads as null.
 */
import { open, readFile } from 'node:fs/promises';
import { parseHeaderBlock } from '../mime/header-block.js';
import type { HeaderBlock } from '../mime/header-block.js';
import { parseMimeMessage } from '../mime/mime-part.js';
import type { MimePart } from '../mime/mime-part.js';
import { buildEnvelope } from '../mime/envelope.js';
import { buildBodyStructure } from '../mime/body-structure.js';
import type { ImapValue } from '../wire/imap-value.js';
import type { MessageCache, MessageFacts } from './message-cache.js';

export interface MessageHeader {
  readonly buf: Buffer;
  readonly header: HeaderBlock;
}

export interface ParsedMessage {
  readonly buf: Buffer;
  readonly root: MimePart;
}

/** Most headers fit; a longer one costs a second read of the whole file. */
const headerProbeBytes = 16 * 1024;

export class MessageSource {
  constructor(private readonly cache: MessageCache) {}

  /** Whole message bytes, or null when the file is gone. */
  async bytes(path: string): Promise<Buffer | null> {
    try {
      return await readFile(path);
    } catch (err) {
      if (isGone(err)) return null;
      throw err;
    }
  }

  /** Whole message with its MIME structure; fills the cache's structure values on the way. */
  async parsed(path: string): Promise<ParsedMessage | null> {
    const buf = await this.bytes(path);
    if (!buf) return null;
    return { buf, root: parseMimeMessage(buf) };
  }

  /** The header section only (from the cache, or from the start of the file). */
  async header(path: string): Promise<MessageHeader | null> {
    const cached = this.cache.get(path)?.header;
    if (cached) return { buf: cached, header: parseHeaderBlock(cached, 0) };
    const buf = await this.readHeaderBytes(path);
    if (!buf) return null;
    const header = parseHeaderBlock(buf, 0);
    const own = Buffer.from(buf.subarray(0, header.end)); // do not pin a larger read buffer in the cache
    this.cache.update(path, { header: own });
    return { buf: own, header: parseHeaderBlock(own, 0) };
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

  /** BODY (extended false) or BODYSTRUCTURE; `parsed` saves a read when the caller has the message. */
  async structure(path: string, extended: boolean, parsed?: ParsedMessage | null): Promise<ImapValue | undefined> {
    const facts = this.cache.get(path);
    const cached = extended ? facts?.bodyStructure : facts?.body;
    if (cached !== undefined) return cached;
    const message = parsed ?? await this.parsed(path);
    if (!message) return undefined;
    const update: MessageFacts = {
      body: buildBodyStructure(message.buf, message.root, false),
      bodyStructure: buildBodyStructure(message.buf, message.root, true),
    };
    if (!facts?.header) update.header = Buffer.from(message.buf.subarray(0, message.root.header.end));
    this.cache.update(path, update);
    return extended ? update.bodyStructure : update.body;
  }

  /** What the cache holds for this file now (no read, no LRU reordering needed by callers). */
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

  private async readHeaderBytes(path: string): Promise<Buffer | null> {
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      if (isGone(err)) return null;
      throw err;
    }
    try {
      const probe = Buffer.allocUnsafe(headerProbeBytes);
      const { bytesRead } = await handle.read(probe, 0, headerProbeBytes, 0);
      const head = probe.subarray(0, bytesRead);
      if (bytesRead < headerProbeBytes || parseHeaderBlock(head, 0).terminator === 'empty-line') return head;
      return await readFile(path);
    } finally {
      await handle.close();
    }
  }
}

function isGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
