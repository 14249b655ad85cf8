/**
 * SEARCH (RFC 9051 §6.4.4, RFC 3501 §6.4.4, RFC 4731 ESEARCH, RFC 5182 SEARCHRES,
 * RFC 7162 §3.1.5 MODSEQ), SORT and THREAD (RFC 5256, RFC 5957).
 */
import type { ArgReader } from './arg-reader.js';
import type { SearchCommand, SortCommand, ThreadCommand } from './command-types.js';
import { ImapParseError, printable } from './parse-error.js';
import type {
  DateSearchKey, FlagSearchKey, ModSeqEntry, SearchKey, SearchReturnOption, SortCriterion, SortKey, TextSearchKey,
} from './search-key.js';
import type { NumberKind } from './sequence-set.js';

const flagKeys = new Set<string>([
  'ALL', 'ANSWERED', 'DELETED', 'DRAFT', 'FLAGGED', 'NEW', 'OLD', 'RECENT', 'SEEN',
  'UNANSWERED', 'UNDELETED', 'UNDRAFT', 'UNFLAGGED', 'UNSEEN',
]);
const textKeys = new Set<string>(['BCC', 'BODY', 'CC', 'FROM', 'SUBJECT', 'TEXT', 'TO']);
const dateKeys = new Set<string>(['BEFORE', 'ON', 'SINCE', 'SENTBEFORE', 'SENTON', 'SENTSINCE']);
const returnOptions = new Set<string>(['MIN', 'MAX', 'ALL', 'COUNT', 'SAVE']);
const sortKeys = new Set<string>(['ARRIVAL', 'CC', 'DATE', 'FROM', 'SIZE', 'SUBJECT', 'TO', 'DISPLAYFROM', 'DISPLAYTO']);

/** The charset strings are decoded from; throws NO [BADCHARSET] for one we cannot decode. */
type Decoder = InstanceType<typeof TextDecoder>;

function decoderFor(charset: string | null): Decoder {
  const name = charset === null || charset === 'US-ASCII' ? 'utf-8' : charset;
  try {
    return new TextDecoder(name);
  } catch {
    // RFC 9051 §6.4.4: an unsupported charset gets a tagged NO with BADCHARSET.
    throw new ImapParseError(`Unsupported charset: ${printable(charset ?? '')}`, null, 'BADCHARSET (US-ASCII UTF-8)', 'NO');
  }
}

class SearchKeyParser {
  constructor(private readonly r: ArgReader, private readonly decoder: Decoder) {}

  /** search-key *(SP search-key) up to the end of the command. */
  keys(): SearchKey[] {
    const keys: SearchKey[] = [this.key()];
    while (this.r.moreArguments()) keys.push(this.key());
    return keys;
  }

  private text(what: string): string {
    const r = this.r;
    const c = r.peek();
    const bytes = c === 0x22 || c === 0x7b ? r.stringBytes(what) : Buffer.from(r.astring(what), 'latin1');
    return this.decoder.decode(bytes);
  }

  key(): SearchKey {
    const r = this.r;
    if (r.atEnd()) r.fail('Missing search key');
    const c = r.peek();
    if (c === 0x28) {
      const operands = r.list('search key list', () => this.key());
      if (operands.length === 0) r.fail('Empty search key list');
      return operands.length === 1 ? operands[0]! : { key: 'AND', operands };
    }
    if ((c >= 0x30 && c <= 0x39) || c === 0x2a || c === 0x24) return { key: 'SEQUENCE', set: r.sequenceSet('seq') };
    const name = r.keyword('search key');
    if (flagKeys.has(name)) return { key: name as FlagSearchKey };
    if (textKeys.has(name)) {
      r.space(`${name} string`);
      return { key: name as TextSearchKey, value: this.text(`${name} string`) };
    }
    if (dateKeys.has(name)) {
      r.space(`${name} date`);
      return { key: name as DateSearchKey, date: r.date(`${name} date`) };
    }
    return this.complexKey(name);
  }

  private complexKey(name: string): SearchKey {
    const r = this.r;
    switch (name) {
      case 'HEADER': {
        r.space('header field name');
        const field = r.astring('header field name');
        r.space('HEADER string');
        return { key: 'HEADER', field, value: this.text('HEADER string') };
      }
      case 'KEYWORD':
      case 'UNKEYWORD':
        r.space(`${name} flag`);
        return { key: name, flag: r.atom(`${name} flag`) };
      case 'LARGER':
      case 'SMALLER':
        r.space(`${name} size`);
        return { key: name, size: r.number(`${name} size`) };
      case 'NOT': {
        r.space('search key after NOT');
        r.enterNesting();
        const operand = this.key();
        r.leaveNesting();
        return { key: 'NOT', operand };
      }
      case 'OR': {
        r.space('first search key of OR');
        r.enterNesting();
        const left = this.key();
        r.space('second search key of OR');
        const right = this.key();
        r.leaveNesting();
        return { key: 'OR', left, right };
      }
      case 'UID':
        r.space('UID sequence set');
        return { key: 'UID', set: r.sequenceSet('uid') };
      case 'MODSEQ':
        return this.modSeqKey();
      default:
        return r.fail(`Unknown search key: ${printable(name)}`);
    }
  }

  /** RFC 7162 §3.1.5: MODSEQ [entry-name SP entry-type-req] SP mod-sequence-valzer. */
  private modSeqKey(): SearchKey {
    const r = this.r;
    r.space('MODSEQ value');
    let entry: ModSeqEntry | undefined;
    if (r.peek() === 0x22) {
      const name = r.string('MODSEQ entry name');
      if (!name.toLowerCase().startsWith('/flags/')) r.fail('MODSEQ entry name must start with "/flags/"');
      r.space('MODSEQ entry type');
      const type = r.atom('MODSEQ entry type').toLowerCase();
      if (type !== 'priv' && type !== 'shared' && type !== 'all') r.fail('MODSEQ entry type must be priv, shared or all');
      entry = { name, type: type as ModSeqEntry['type'] };
      r.space('MODSEQ value');
    }
    const modSeq = r.modSeq('MODSEQ value');
    return entry ? { key: 'MODSEQ', modSeq, entry } : { key: 'MODSEQ', modSeq };
  }
}

/** RFC 4731 §3.1 search-return-opts: "RETURN (" [option *(SP option)] ")"; "()" means ALL. */
function searchReturnOptions(r: ArgReader): SearchReturnOption[] {
  r.space('RETURN options');
  const options = r.list('RETURN options', () => {
    const option = r.keyword('RETURN option');
    if (!returnOptions.has(option)) r.fail(`Unknown RETURN option: ${printable(option)}`);
    return option as SearchReturnOption;
  });
  return options.length === 0 ? ['ALL'] : [...new Set(options)];
}

export function parseSearch(r: ArgReader, tag: string, numbering: NumberKind): SearchCommand {
  r.space('search criteria');
  let returned: SearchReturnOption[] | null = null;
  let charset: string | null = null;
  let start = r.pos;
  let word = r.peek() === 0x28 ? '' : r.atom('search key').toUpperCase();
  if (word === 'RETURN') {
    returned = searchReturnOptions(r);
    r.space('search criteria');
    start = r.pos;
    word = r.peek() === 0x28 ? '' : r.atom('search key').toUpperCase();
  }
  if (word === 'CHARSET') {
    r.space('charset');
    charset = r.astring('charset').toUpperCase();
    r.space('search criteria');
  } else {
    r.pos = start;
  }
  const criteria = new SearchKeyParser(r, decoderFor(charset)).keys();
  return { tag, name: 'SEARCH', numbering, charset, criteria, returnOptions: returned };
}

/** RFC 5256 §4: SORT SP sort-criteria SP charset SP search-key *(SP search-key). */
export function parseSort(r: ArgReader, tag: string, numbering: NumberKind): SortCommand {
  r.space('sort criteria');
  const criteria = r.list('sort criteria', (): SortCriterion => {
    let key = r.keyword('sort key');
    let reverse = false;
    if (key === 'REVERSE') {
      reverse = true;
      r.space('sort key after REVERSE');
      key = r.keyword('sort key');
    }
    if (!sortKeys.has(key)) r.fail(`Unknown sort key: ${printable(key)}`);
    return { key: key as SortKey, reverse };
  });
  if (criteria.length === 0) r.fail('Empty sort criteria');
  r.space('charset');
  const charset = r.astring('charset').toUpperCase();
  r.space('search criteria');
  const search = new SearchKeyParser(r, decoderFor(charset)).keys();
  return { tag, name: 'SORT', numbering, criteria, charset, search };
}

/** RFC 5256 §4: THREAD SP thread-alg SP charset SP search-key *(SP search-key). */
export function parseThread(r: ArgReader, tag: string, numbering: NumberKind): ThreadCommand {
  r.space('threading algorithm');
  const algorithm = r.keyword('threading algorithm');
  if (algorithm !== 'ORDEREDSUBJECT' && algorithm !== 'REFERENCES') {
    r.fail(`Unsupported threading algorithm: ${printable(algorithm)}`);
  }
  r.space('charset');
  const charset = r.astring('charset').toUpperCase();
  r.space('search criteria');
  const search = new SearchKeyParser(r, decoderFor(charset)).keys();
  return { tag, name: 'THREAD', numbering, algorithm, charset, search };
}
