/**
 * FETCH and UID FETCH arguments (RFC 9051 §6.4.5, RFC 3501 §6.4.5, RFC 3516 BINARY,
 * RFC 7162 §3.1.4 CHANGEDSINCE and §3.2.6 VANISHED).
 */
import type { ArgReader } from './arg-reader.js';
import { printable } from './parse-error.js';
import type { FetchCommand } from './command-types.js';
import type { FetchItem, PartialRange, SectionSpec, SimpleFetchItem } from './fetch-item.js';
import type { NumberKind } from './sequence-set.js';

// RFC 9051 §6.4.5 macros.
const macros: Record<string, readonly SimpleFetchItem[]> = {
  ALL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
  FAST: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
  FULL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'],
};

const simpleItems = new Set<string>([
  'ENVELOPE', 'FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'UID', 'MODSEQ', 'BODYSTRUCTURE', 'BODY',
  'RFC822', 'RFC822.HEADER', 'RFC822.TEXT',
]);

export function parseFetch(r: ArgReader, tag: string, numbering: NumberKind): FetchCommand {
  r.space('sequence set');
  const set = r.sequenceSet(numbering);
  r.space('fetch attributes');
  let items: FetchItem[];
  if (r.peek() === 0x28) {
    items = r.list('fetch attributes', () => fetchAttribute(r));
    if (items.length === 0) r.fail('Empty fetch attribute list');
  } else {
    const start = r.pos;
    const name = itemName(r);
    const macro = macros[name];
    if (macro) items = macro.map((item) => ({ item }));
    else {
      r.pos = start;
      items = [fetchAttribute(r)];
    }
  }
  let changedSince: number | null = null;
  let vanished = false;
  if (r.moreArguments()) {
    // RFC 7162 §3.1.4 fetch-modifiers = "(" fetch-modifier *(SP fetch-modifier) ")"
    r.list('fetch modifiers', () => {
      const modifier = r.keyword('fetch modifier');
      if (modifier === 'CHANGEDSINCE') {
        if (changedSince !== null) r.fail('CHANGEDSINCE given twice');
        r.space('CHANGEDSINCE mod-sequence');
        changedSince = r.modSeq('CHANGEDSINCE mod-sequence');
        if (changedSince === 0) r.fail('CHANGEDSINCE mod-sequence must not be zero');
      } else if (modifier === 'VANISHED') {
        vanished = true;
      } else {
        r.fail(`Unknown fetch modifier: ${printable(modifier)}`);
      }
    });
    // RFC 7162 §3.2.6: VANISHED only with UID FETCH and CHANGEDSINCE.
    if (vanished && numbering !== 'uid') r.fail('VANISHED is only allowed in UID FETCH');
    if (vanished && changedSince === null) r.fail('VANISHED requires CHANGEDSINCE');
  }
  return { tag, name: 'FETCH', set, items, changedSince, vanished };
}

/** The letters, digits and dots of an attribute name, upper-cased (stops at "[", SP, ")"). */
function itemName(r: ArgReader): string {
  const start = r.pos;
  while (!r.atEnd()) {
    const c = r.peek();
    const ok = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2e;
    if (!ok) break;
    r.pos++;
  }
  if (r.pos === start) r.fail(r.atEnd() ? 'Missing fetch attribute' : 'Expected a fetch attribute');
  return r.buf.toString('latin1', start, r.pos).toUpperCase();
}

function fetchAttribute(r: ArgReader): FetchItem {
  const name = itemName(r);
  if (r.peek() === 0x5b) {
    if (name === 'BODY' || name === 'BODY.PEEK') {
      const section = sectionSpec(r);
      return { item: 'BODY[]', section, peek: name === 'BODY.PEEK', ...partialOf(r) };
    }
    if (name === 'BINARY' || name === 'BINARY.PEEK') {
      const part = binarySection(r);
      return { item: 'BINARY[]', part, peek: name === 'BINARY.PEEK', ...partialOf(r) };
    }
    if (name === 'BINARY.SIZE') return { item: 'BINARY.SIZE', part: binarySection(r) };
    r.fail(`${printable(name)} does not take a section`);
  }
  if (simpleItems.has(name)) return { item: name as SimpleFetchItem };
  if (name === 'BODY.PEEK' || name === 'BINARY' || name === 'BINARY.PEEK' || name === 'BINARY.SIZE') {
    r.fail(`${name} needs a section, e.g. ${name}[]`);
  }
  if (macros[name]) r.fail(`${name} must be used alone, not in a list`);
  return r.fail(`Unknown fetch attribute: ${printable(name)}`);
}

function partialOf(r: ArgReader): { partial?: PartialRange } {
  if (r.peek() !== 0x3c) return {};
  // RFC 9051 §9 partial = "<" number64 "." nz-number64 ">"
  r.pos++;
  const offset = r.number('partial offset', Number.MAX_SAFE_INTEGER);
  r.expectByte(0x2e, '"." in partial range');
  const length = r.number('partial length', Number.MAX_SAFE_INTEGER);
  if (length === 0) r.fail('Partial length must not be zero');
  r.expectByte(0x3e, '">" to end the partial range');
  return { partial: { offset, length } };
}

function sectionPart(r: ArgReader): number[] {
  const part: number[] = [];
  for (;;) {
    part.push(r.nzNumber('section part number'));
    const next = r.buf[r.pos + 1];
    if (r.peek() !== 0x2e || next === undefined || next < 0x30 || next > 0x39) return part;
    r.pos++;
    if (part.length >= 64) r.fail('Section part nested too deeply');
  }
}

/** section = "[" [section-spec] "]" (RFC 9051 §9). */
function sectionSpec(r: ArgReader): SectionSpec {
  r.pos++; // "["
  if (r.skipByte(0x5d)) return { part: [] };
  let part: number[] = [];
  const c = r.peek();
  if (c >= 0x30 && c <= 0x39) {
    part = sectionPart(r);
    if (r.skipByte(0x5d)) return { part };
    r.expectByte(0x2e, '"." or "]" after the section part');
  }
  const textStart = r.pos;
  while (!r.atEnd()) {
    const ch = r.peek();
    if (!((ch >= 0x41 && ch <= 0x5a) || (ch >= 0x61 && ch <= 0x7a) || ch === 0x2e)) break;
    r.pos++;
  }
  const text = r.buf.toString('latin1', textStart, r.pos).toUpperCase();
  let spec: SectionSpec;
  if (text === 'HEADER' || text === 'TEXT') spec = { part, text };
  else if (text === 'MIME') {
    // RFC 9051 §9: section-text (with MIME) only follows a section-part.
    if (part.length === 0) r.fail('MIME needs a section part, e.g. BODY[1.MIME]');
    spec = { part, text };
  } else if (text === 'HEADER.FIELDS' || text === 'HEADER.FIELDS.NOT') {
    r.space('header field list');
    const fields = r.list('header field list', () => r.astring('header field name'));
    if (fields.length === 0) r.fail('Empty header field list');
    spec = { part, text, fields };
  } else if (text === '') {
    r.fail(r.atEnd() ? 'Missing "]" to end the section' : 'Invalid section');
  } else {
    r.fail(`Unknown section text: ${printable(text)}`);
  }
  r.expectByte(0x5d, '"]" to end the section');
  return spec;
}

/** section-binary = "[" [section-part] "]" (RFC 3516 §5). */
function binarySection(r: ArgReader): number[] {
  r.pos++; // "["
  if (r.skipByte(0x5d)) return [];
  const c = r.peek();
  if (c < 0x30 || c > 0x39) r.fail('BINARY sections are part numbers only');
  const part = sectionPart(r);
  r.expectByte(0x5d, '"]" to end the section');
  return part;
}
