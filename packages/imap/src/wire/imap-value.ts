/**
 * The values a server response is made of (RFC 9051 §4): NIL, numbers, strings, parenthesised lists,
 * atoms (flags, keywords), literal8 and pre-encoded protocol text. Builders (ENVELOPE,
 * BODYSTRUCTURE, FETCH items) produce these; response-encoder.ts decides how each string goes on
 * the wire (quoted or literal), so no builder has to think about quoting.
 *
 * A JS string is text (sent as UTF-8); a Buffer is bytes as they are in the message (an 8-bit header
 * keeps its exact bytes). Both are IMAP "string"s.
 */

/** An atom written as is: a flag (`\Seen`), a keyword, a capability name. */
export class ImapAtom {
  constructor(readonly text: string) {}
}

/** RFC 3516 literal8 (`~{n}`): bytes that may hold NUL, only for BINARY[] results. */
export class ImapLiteral8 {
  constructor(readonly bytes: Buffer) {}
}

/** Protocol text that is already encoded (e.g. a FETCH item label `BODY[1.HEADER]<0>`). */
export class ImapRaw {
  constructor(readonly text: string) {}
}

/**
 * Values written back to back with no space between them: the body parts of a multipart in
 * BODY/BODYSTRUCTURE (RFC 9051 §9 body-type-mpart = 1*body SP media-subtype).
 */
export class ImapAdjacent {
  constructor(readonly items: readonly ImapValue[]) {}
}

export type ImapValue =
  | null
  | number
  | bigint
  | string
  | Buffer
  | ImapAtom
  | ImapLiteral8
  | ImapRaw
  | ImapAdjacent
  | readonly ImapValue[];

export function atom(text: string): ImapAtom {
  return new ImapAtom(text);
}

export function raw(text: string): ImapRaw {
  return new ImapRaw(text);
}

/**
 * A string that holds message bytes one char per byte (latin1, how the MIME layer reads headers
 * without decoding them) turned into a value: plain text when it is 7-bit, else the exact bytes.
 */
export function latin1Value(text: string): string | Buffer {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) return Buffer.from(text, 'latin1');
  }
  return text;
}

/** Same as latin1Value but NIL for a missing string. */
export function latin1NValue(text: string | null | undefined): string | Buffer | null {
  return text === null || text === undefined ? null : latin1Value(text);
}
