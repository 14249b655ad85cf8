/**
 * The text of a message's body for SEARCH BODY/TEXT (RFC 9051 §6.4.4): every text/* part with its
 * transfer encoding undone (RFC 2045 §6) and its charset decoded; the headers and text of attached
 * messages (message/rfc822) too. Other parts (images, archives) carry no searchable text.
 */
import { parameterValue } from '../mime/content-fields.js';
import { decodeHeaderText } from '../mime/encoded-words.js';
import type { MimePart } from '../mime/mime-part.js';
import { decodedBody, UnknownTransferEncodingError } from '../mime/transfer-decoding.js';
import { isValidUtf8 } from '../wire/value-encoder.js';
import type { ParsedMessage } from './message-source.js';

export function messageBodyText(message: ParsedMessage): string {
  const pieces: string[] = [];
  collect(message.buf, message.root, pieces, true);
  return pieces.join('\n');
}

function collect(buf: Buffer, part: MimePart, pieces: string[], isRoot: boolean): void {
  if (part.kind === 'multipart') {
    for (const child of part.children) collect(buf, child, pieces, false);
    return;
  }
  if (part.kind === 'message') {
    const inner = part.message;
    if (!inner) return;
    pieces.push(decodeHeaderText(buf.toString('latin1', inner.header.start, inner.header.end)));
    collect(buf, inner, pieces, true);
    return;
  }
  if (part.contentType.type.toLowerCase() !== 'text' && !(isRoot && part.contentTypeDefaulted)) return;
  let bytes: Buffer;
  try {
    bytes = decodedBody(buf, part);
  } catch (err) {
    if (!(err instanceof UnknownTransferEncodingError)) throw err;
    bytes = buf.subarray(part.bodyStart, part.bodyEnd);
  }
  pieces.push(decodeText(bytes, parameterValue(part.contentType.params, 'charset')));
}

function decodeText(bytes: Buffer, charset: string | undefined): string {
  if (charset) {
    try {
      return new TextDecoder(charset.toLowerCase()).decode(bytes);
    } catch {
      // An unknown charset: fall through to the guesses below.
    }
  }
  return isValidUtf8(bytes) ? bytes.toString('utf8') : bytes.toString('latin1');
}
