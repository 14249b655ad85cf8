// @tandem/imap — the public face. So far the pure protocol layer: wire framing, command parser and
// AST, response encoder, mailbox name codec, and the MIME layer (structure, ENVELOPE,
// BODYSTRUCTURE, sections, BINARY, SEARCH/SORT header helpers). Sessions and command handlers
// build on these.

// Wire: input
export { CommandReader, literalMarkerAt } from './wire/command-reader.js';
export type { CommandReaderOptions, ReaderEvent, LineEvent } from './wire/command-reader.js';
export { parseCommand, readTag } from './wire/parse-command.js';
export type { ParseOptions } from './wire/arg-reader.js';
export { ImapParseError, printable } from './wire/parse-error.js';
export type { ParseErrorStatus } from './wire/parse-error.js';
export type * from './wire/command-types.js';
export type * from './wire/search-key.js';
export { fetchItemResponseName, fetchItemSetsSeen } from './wire/fetch-item.js';
export type { FetchItem, SimpleFetchItem, SectionSpec, SectionText, PartialRange } from './wire/fetch-item.js';
export {
  resolveSequenceSet, sequenceSetContains, formatSequenceSet, formatSeqRanges,
} from './wire/sequence-set.js';
export type { SequenceSet, SeqRange, SeqNumber, NumberKind } from './wire/sequence-set.js';
export {
  parseDateText, parseDateTimeText, formatDateTime, compareDates, dateOf, monthNames,
} from './wire/imap-date.js';
export type { ImapDate, ImapDateTime } from './wire/imap-date.js';

// Wire: output
export { ImapAdjacent, ImapAtom, ImapLiteral8, ImapRaw, atom, raw, latin1Value, latin1NValue } from './wire/imap-value.js';
export type { ImapValue } from './wire/imap-value.js';
export { ResponseWriter, encodeValue, isValidUtf8 } from './wire/value-encoder.js';
export type { EncodeOptions } from './wire/value-encoder.js';
export {
  formatResponseCode, writeTagged, writeUntaggedStatus, writeContinuation, writeUntagged, flagsValue,
  writeCapability, writeExists, writeRecent, writeExpunge, writeVanished, writeFlags, writeFetch, writeList,
  writeStatus, writeSearch, writeEsearch, writeSort, formatThread, writeThread, writeEnabled, writeId,
  writeNamespace, writeQuota, writeQuotaRoot,
} from './wire/response-encoder.js';
export type {
  ResponseStatus, UntaggedStatus, SimpleResponseCode, ResponseCode, ListEntry, EsearchResult, ThreadNode,
  Namespace, QuotaResource,
} from './wire/response-encoder.js';
export { parseResponseValues, ResponseSyntaxError } from './wire/response-parser.js';

// Mailbox names
export {
  encodeMailboxName, decodeMailboxName, encodeModifiedUtf7, decodeModifiedUtf7,
} from './mailbox-name-codec.js';
export type { MailboxNameEncoding } from './mailbox-name-codec.js';

// MIME
export { parseMimeMessage, countLines } from './mime/mime-part.js';
export type { MimePart, MimePartKind, MimeParseOptions } from './mime/mime-part.js';
export {
  parseHeaderBlock, fieldName, fieldValue, fieldRawValue, fieldNameIs, findField, headerValue,
} from './mime/header-block.js';
export type { HeaderBlock, HeaderField } from './mime/header-block.js';
export { buildEnvelope, addressListValue } from './mime/envelope.js';
export { buildBodyStructure } from './mime/body-structure.js';
export { findSectionPart, sectionBytes, filterHeader, applyPartial } from './mime/message-section.js';
export {
  binarySection, decodedBody, decodeBase64, decodeQuotedPrintable, transferEncodingOf, UnknownTransferEncodingError,
} from './mime/transfer-decoding.js';
export { parseAddressList } from './mime/address-list.js';
export type { MailAddress } from './mime/address-list.js';
export {
  parseContentType, parseContentDisposition, parseContentLanguage, parseTransferEncoding, parameterValue,
} from './mime/content-fields.js';
export type { ContentType, ContentDisposition, MimeParameter } from './mime/content-fields.js';
export { decodeHeaderText } from './mime/encoded-words.js';
export { parseMessageDate } from './mime/message-date.js';
export type { MessageDate } from './mime/message-date.js';
export {
  decodedHeaderValue, decodedHeaderValues, headerAddresses, sentDate, addressSearchText, sortAddressKey,
  displayAddressKey, sortSubjectKey,
} from './mime/header-fields.js';
export { baseSubject } from './mime/base-subject.js';
export type { BaseSubject } from './mime/base-subject.js';

// Server: sessions, one handler per command, listeners (packages/imap/src/server).
export { ImapServer } from './server/imap-server.js';
export type { ImapServerOptions } from './server/imap-server.js';
export type { ListenerKind } from './server/session.js';
export type { ImapLogger } from './server/imap-logger.js';
export type { ImapStoreReader } from './server/server-context.js';
export { capabilityList } from './server/capabilities.js';
