/**
 * BODY and BODYSTRUCTURE (RFC 9051 §7.5.2, RFC 3501 §7.4.2) of a parsed message.
 *
 * - type and subtype as written (RFC 2045 §5.1 makes them case-insensitive), except that an
 *   encapsulated message is always "message" "rfc822"/"global" (the grammar's media-message);
 * - body parameters as written, RFC 2231 pieces joined; text/* without a charset gets
 *   ("charset" "us-ascii"), the RFC 2045 §5.2 default;
 * - size in octets of the body as stored, lines = number of line breaks (text/* and messages);
 * - a multipart with no parts is given one empty text/plain part (the grammar needs 1*body);
 * - extension data (BODYSTRUCTURE only): md5, disposition, language, location for single parts;
 *   parameters, disposition, language, location for multiparts.
 */
import { parseContentDisposition, parseContentLanguage, parseTransferEncoding } from './content-fields.js';
import type { MimeParameter } from './content-fields.js';
import { buildEnvelope } from './envelope.js';
import { fieldNameIs, fieldValue } from './header-block.js';
import type { HeaderField } from './header-block.js';
import { countLines } from './mime-part.js';
import type { MimePart } from './mime-part.js';
import { ImapAdjacent, latin1Value } from '../wire/imap-value.js';
import type { ImapValue } from '../wire/imap-value.js';

interface ContentFields {
  id?: HeaderField;
  description?: HeaderField;
  transferEncoding?: HeaderField;
  disposition?: HeaderField;
  language?: HeaderField;
  location?: HeaderField;
  md5?: HeaderField;
}

const emptyTextPart: readonly ImapValue[] = ['text', 'plain', ['charset', 'us-ascii'], null, null, '7bit', 0, 0];
const emptyTextPartExtended: readonly ImapValue[] = [...emptyTextPart, null, null, null, null];

/** BODYSTRUCTURE when `extended`, else BODY, of the part (usually the message root). */
export function buildBodyStructure(buf: Buffer, part: MimePart, extended: boolean): ImapValue[] {
  const fields = contentFields(buf, part);
  if (part.kind === 'multipart') return multipartValue(buf, part, fields, extended);
  const type = part.contentType;
  const isText = type.type.toLowerCase() === 'text';
  const out: ImapValue[] = [];
  if (part.kind === 'message') out.push('message', part.contentType.subtype.toLowerCase());
  else out.push(latin1Value(type.type), latin1Value(type.subtype));
  out.push(bodyParameters(type.params, isText));
  out.push(optionalText(buf, fields.id), optionalText(buf, fields.description));
  const encoding = fields.transferEncoding ? parseTransferEncoding(fieldValue(buf, fields.transferEncoding)) : null;
  out.push(encoding === null ? '7bit' : latin1Value(encoding));
  out.push(part.bodyEnd - part.bodyStart);
  if (part.kind === 'message' && part.message) {
    out.push(buildEnvelope(buf, part.message.header));
    out.push(buildBodyStructure(buf, part.message, extended));
    out.push(countLines(buf, part.bodyStart, part.bodyEnd));
  } else if (isText) {
    out.push(countLines(buf, part.bodyStart, part.bodyEnd));
  }
  if (extended) {
    out.push(optionalText(buf, fields.md5), dispositionValue(buf, fields.disposition));
    out.push(languageValue(buf, fields.language), optionalText(buf, fields.location));
  }
  return out;
}

function multipartValue(buf: Buffer, part: MimePart, fields: ContentFields, extended: boolean): ImapValue[] {
  const children: ImapValue[] = part.children.map((child) => buildBodyStructure(buf, child, extended));
  if (children.length === 0) children.push(extended ? emptyTextPartExtended : emptyTextPart);
  // RFC 9051 §9 body-type-mpart = 1*body SP media-subtype: the parts follow each other without spaces.
  const out: ImapValue[] = [new ImapAdjacent(children), latin1Value(part.contentType.subtype)];
  if (extended) {
    out.push(bodyParameters(part.contentType.params, false));
    out.push(dispositionValue(buf, fields.disposition), languageValue(buf, fields.language));
    out.push(optionalText(buf, fields.location));
  }
  return out;
}

function contentFields(buf: Buffer, part: MimePart): ContentFields {
  const fields: ContentFields = {};
  // RFC 2045 §1: Content-* fields only mean something in a MIME entity.
  if (!part.isMime) return fields;
  for (const field of part.header.fields) {
    const len = field.nameEnd - field.start;
    if (len < 10 || buf[field.start + 7] !== 0x2d) continue; // "Content-" prefix
    if (fields.id === undefined && fieldNameIs(buf, field, 'content-id')) fields.id = field;
    else if (fields.description === undefined && fieldNameIs(buf, field, 'content-description')) fields.description = field;
    else if (fields.transferEncoding === undefined && fieldNameIs(buf, field, 'content-transfer-encoding')) fields.transferEncoding = field;
    else if (fields.disposition === undefined && fieldNameIs(buf, field, 'content-disposition')) fields.disposition = field;
    else if (fields.language === undefined && fieldNameIs(buf, field, 'content-language')) fields.language = field;
    else if (fields.location === undefined && fieldNameIs(buf, field, 'content-location')) fields.location = field;
    else if (fields.md5 === undefined && fieldNameIs(buf, field, 'content-md5')) fields.md5 = field;
  }
  return fields;
}

function bodyParameters(params: readonly MimeParameter[], isText: boolean): ImapValue {
  const out: ImapValue[] = [];
  let hasCharset = false;
  for (const p of params) {
    if (p.name.toLowerCase() === 'charset') hasCharset = true;
    out.push(latin1Value(p.name), latin1Value(p.value));
  }
  // RFC 2045 §5.2: text without a charset parameter is us-ascii.
  if (isText && !hasCharset) out.push('charset', 'us-ascii');
  return out.length === 0 ? null : out;
}

function optionalText(buf: Buffer, field: HeaderField | undefined): ImapValue {
  return field ? latin1Value(fieldValue(buf, field)) : null;
}

function dispositionValue(buf: Buffer, field: HeaderField | undefined): ImapValue {
  if (!field) return null;
  const disposition = parseContentDisposition(fieldValue(buf, field));
  if (disposition === null) return null;
  return [latin1Value(disposition.disposition), bodyParameters(disposition.params, false)];
}

function languageValue(buf: Buffer, field: HeaderField | undefined): ImapValue {
  if (!field) return null;
  const tags = parseContentLanguage(fieldValue(buf, field));
  return tags.length === 0 ? null : tags.map(latin1Value);
}
