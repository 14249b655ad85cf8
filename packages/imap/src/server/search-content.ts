/**
 * What SEARCH knows of one message's content while its criteria are evaluated (RFC 9051 §6.4.4):
 * the header (from the MessageCache, or just read), the whole message for BODY and TEXT, and the
 * decoded text the keys match against, each worked out at most once per message.
 *
 * Made from a cache entry, it touches only what a key asks for: SEARCH SUBJECT over a cached
 * mailbox looks up the remembered lower-cased Subject values and never builds the header view.
 */
import { decodeHeaderText } from '../mime/encoded-words.js';
import type { MessageFacts } from './message-cache.js';
import type { MessageHeader, MessageSource, ParsedMessage } from './message-source.js';
import { messageBodyText } from './message-body-text.js';

export class SearchContent {
  private headerView: MessageHeader | null | undefined;
  private headerTextLower: string | undefined;
  private bodyTextLower: string | undefined;

  private constructor(
    private readonly source: MessageSource,
    private readonly path: string | undefined,
    private readonly facts: MessageFacts | undefined,
    header: MessageHeader | null | undefined,
    readonly parsed: ParsedMessage | null,
  ) {
    this.headerView = header;
  }

  /** A message whose header the cache holds (`facts.header` set). */
  static cached(source: MessageSource, path: string, facts: MessageFacts): SearchContent {
    return new SearchContent(source, path, facts, undefined, null);
  }

  /** A message just read: its header, and the whole message when BODY or TEXT need it. */
  static loaded(source: MessageSource, path: string | undefined, header: MessageHeader | null, parsed: ParsedMessage | null): SearchContent {
    return new SearchContent(source, path, path === undefined ? undefined : source.facts(path), header, parsed);
  }

  get hasHeader(): boolean {
    return this.headerView !== undefined ? this.headerView !== null : this.facts?.header !== undefined;
  }

  get header(): MessageHeader | null {
    if (this.headerView === undefined) {
      this.headerView = this.facts && this.path !== undefined ? this.source.headerFromFacts(this.path, this.facts) ?? null : null;
    }
    return this.headerView;
  }

  /** Decoded, lower-cased values of every field with this (lower-case) name. */
  fieldValues(lowerName: string): readonly string[] {
    const cached = this.facts?.searchFields?.get(lowerName);
    if (cached) return cached;
    const h = this.header;
    return h ? this.source.searchFieldValues(this.path, this.facts, h, lowerName) : [];
  }

  /** The whole header section, encoded words decoded, lower-cased (TEXT). */
  headerText(): string {
    if (this.headerTextLower === undefined) {
      const h = this.header;
      this.headerTextLower = h ? decodeHeaderText(h.buf.toString('latin1', h.header.start, h.header.end)).toLowerCase() : '';
    }
    return this.headerTextLower;
  }

  /** The text of the body parts, decoded, lower-cased (BODY, TEXT); '' when the message was not read whole. */
  bodyText(): string {
    this.bodyTextLower ??= this.parsed ? messageBodyText(this.parsed).toLowerCase() : '';
    return this.bodyTextLower;
  }
}
