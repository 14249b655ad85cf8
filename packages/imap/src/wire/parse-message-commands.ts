/**
 * Commands on messages of the selected mailbox besides FETCH and SEARCH: STORE (RFC 9051 §6.4.6,
 * RFC 7162 §3.1.3 UNCHANGEDSINCE), COPY (§6.4.7), MOVE (RFC 6851) and UID EXPUNGE (RFC 4315 §2.1).
 */
import type { ArgReader } from './arg-reader.js';
import type { CopyCommand, ExpungeCommand, StoreCommand, StoreOperation } from './command-types.js';
import { printable } from './parse-error.js';
import type { NumberKind } from './sequence-set.js';

/**
 * STORE SP sequence-set [SP "(" "UNCHANGEDSINCE" SP mod-sequence-valzer ")"] SP
 * ["+" / "-"] "FLAGS" [".SILENT"] SP (flag-list / flag *(SP flag)).
 */
export function parseStore(r: ArgReader, tag: string, numbering: NumberKind): StoreCommand {
  r.space('sequence set');
  const set = r.sequenceSet(numbering);
  r.space('flags item');
  let unchangedSince: number | null = null;
  if (r.peek() === 0x28) {
    r.list('store modifiers', () => {
      const modifier = r.keyword('store modifier');
      if (modifier !== 'UNCHANGEDSINCE') r.fail(`Unknown store modifier: ${printable(modifier)}`);
      if (unchangedSince !== null) r.fail('UNCHANGEDSINCE given twice');
      r.space('UNCHANGEDSINCE mod-sequence');
      unchangedSince = r.modSeq('UNCHANGEDSINCE mod-sequence');
    });
    r.space('flags item');
  }
  let operation: StoreOperation = 'replace';
  if (r.skipByte(0x2b)) operation = 'add';
  else if (r.skipByte(0x2d)) operation = 'remove';
  const item = r.keyword('flags item');
  if (item !== 'FLAGS' && item !== 'FLAGS.SILENT') r.fail(`Expected FLAGS or FLAGS.SILENT, not ${printable(item)}`);
  r.space('flags');
  let flags: string[];
  if (r.peek() === 0x28) {
    flags = r.flagList();
  } else {
    flags = [r.flag()];
    while (r.moreArguments()) flags.push(r.flag());
  }
  return { tag, name: 'STORE', set, operation, silent: item === 'FLAGS.SILENT', flags, unchangedSince };
}

export function parseCopy(r: ArgReader, tag: string, numbering: NumberKind, name: 'COPY' | 'MOVE'): CopyCommand {
  r.space('sequence set');
  const set = r.sequenceSet(numbering);
  r.space('mailbox name');
  return { tag, name, set, mailbox: r.mailbox() };
}

export function parseExpunge(r: ArgReader, tag: string, numbering: NumberKind): ExpungeCommand {
  if (numbering === 'seq') return { tag, name: 'EXPUNGE', uids: null };
  r.space('UID set');
  return { tag, name: 'EXPUNGE', uids: r.sequenceSet('uid') };
}
