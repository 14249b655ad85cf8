/**
 * Commands about one mailbox: SELECT/EXAMINE (RFC 9051 §6.3.2, RFC 7162 CONDSTORE/QRESYNC),
 * CREATE (RFC 6154 §3 USE), DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE, APPEND (RFC 3502 MULTIAPPEND,
 * RFC 3516 literal8, RFC 6855 §4 UTF8) and the QUOTA commands (RFC 9208).
 */
import type { ArgReader } from './arg-reader.js';
import type {
  AppendCommand, AppendMessage, CreateCommand, GetQuotaCommand, GetQuotaRootCommand, MailboxCommand,
  QresyncParameters, QuotaLimit, RenameCommand, SelectCommand, SetQuotaCommand,
} from './command-types.js';
import { printable } from './parse-error.js';

export function parseSelect(r: ArgReader, tag: string, name: 'SELECT' | 'EXAMINE'): SelectCommand {
  r.space('mailbox name');
  const mailbox = r.mailbox();
  let condstore = false;
  let qresync: QresyncParameters | null = null;
  if (r.moreArguments()) {
    const params = r.list('select parameters', () => {
      const param = r.keyword('select parameter');
      if (param === 'CONDSTORE') condstore = true;
      else if (param === 'QRESYNC') {
        if (qresync !== null) r.fail('QRESYNC given twice');
        r.space('QRESYNC parameters');
        qresync = qresyncParameters(r);
        condstore = true; // RFC 7162 §3.2.5: QRESYNC implies CONDSTORE
      } else r.fail(`Unknown select parameter: ${printable(param)}`);
      return param;
    });
    if (params.length === 0) r.fail('Empty select parameter list');
  }
  return { tag, name, mailbox, condstore, qresync };
}

/**
 * RFC 7162 §3.2.5: "(" uidvalidity SP mod-sequence-value [SP known-uids]
 * [SP "(" known-sequence-set SP known-uid-set ")"] ")".
 */
function qresyncParameters(r: ArgReader): QresyncParameters {
  r.expectByte(0x28, '"(" to start the QRESYNC parameters');
  r.enterNesting();
  const uidValidity = r.nzNumber('QRESYNC UIDVALIDITY');
  r.space('QRESYNC mod-sequence');
  const modSeq = r.modSeq('QRESYNC mod-sequence');
  if (modSeq === 0) r.fail('QRESYNC mod-sequence must not be zero');
  let knownUids: QresyncParameters['knownUids'] = null;
  let seqMatch: QresyncParameters['seqMatch'] = null;
  if (r.moreArguments() && r.peek() !== 0x28) {
    knownUids = r.sequenceSet('uid');
    if (knownUids.kind === 'saved') r.fail('"$" is not allowed in QRESYNC');
    r.moreArguments();
  }
  if (r.peek() === 0x28) {
    r.pos++;
    const seqs = r.sequenceSet('seq');
    r.space('known UID set');
    const uids = r.sequenceSet('uid');
    if (seqs.kind === 'saved' || uids.kind === 'saved') r.fail('"$" is not allowed in QRESYNC');
    r.expectByte(0x29, '")" to end the sequence match data');
    seqMatch = { seqs, uids };
  }
  r.expectByte(0x29, '")" to end the QRESYNC parameters');
  r.leaveNesting();
  return { uidValidity, modSeq, knownUids, seqMatch };
}

// RFC 6154 §2 use-attr; other "\" atoms are use-attr-ext and refused by the handler if unknown.
export function parseCreate(r: ArgReader, tag: string): CreateCommand {
  r.space('mailbox name');
  const mailbox = r.mailbox();
  let specialUse: string[] = [];
  if (r.moreArguments()) {
    r.list('CREATE parameters', () => {
      const param = r.keyword('CREATE parameter');
      if (param !== 'USE') r.fail(`Unknown CREATE parameter: ${printable(param)}`);
      r.space('special-use attributes');
      specialUse = r.list('special-use attributes', () => {
        if (!r.skipByte(0x5c)) r.fail('Special-use attributes start with "\\"');
        return `\\${r.atom('special-use attribute')}`;
      });
    });
  }
  return { tag, name: 'CREATE', mailbox, specialUse };
}

export function parseMailboxOnly(r: ArgReader, tag: string, name: MailboxCommand['name']): MailboxCommand {
  r.space('mailbox name');
  return { tag, name, mailbox: r.mailbox() };
}

export function parseRename(r: ArgReader, tag: string): RenameCommand {
  r.space('mailbox name');
  const mailbox = r.mailbox();
  r.space('new mailbox name');
  return { tag, name: 'RENAME', mailbox, newMailbox: r.mailbox('new mailbox name') };
}

/**
 * RFC 3502 §6: APPEND SP mailbox 1*append-message;
 * append-message = [SP flag-list] [SP date-time] SP (literal / literal8 / "UTF8" SP "(" literal8 ")").
 */
export function parseAppend(r: ArgReader, tag: string): AppendCommand {
  r.space('mailbox name');
  const mailbox = r.mailbox();
  const messages: AppendMessage[] = [];
  do {
    r.space('message literal');
    let flags: string[] = [];
    let internalDate: AppendMessage['internalDate'] = null;
    if (r.peek() === 0x28) {
      flags = r.flagList();
      r.space('message literal');
    }
    if (r.peek() === 0x22) {
      internalDate = r.dateTime('APPEND date-time');
      r.space('message literal');
    }
    let utf8 = false;
    const c = r.peek();
    if (c === 0x55 || c === 0x75) {
      // RFC 6855 §4: UTF8 (literal8)
      if (r.keyword('UTF8') !== 'UTF8') r.fail('Expected a literal, or UTF8 (literal)');
      r.space('"(" before the UTF8 literal');
      r.expectByte(0x28, '"(" before the UTF8 literal');
      utf8 = true;
    } else if (c !== 0x7b && c !== 0x7e) {
      r.fail('Expected the message as a literal');
    }
    const { bytes, binary } = r.literal(true);
    if (utf8) r.expectByte(0x29, '")" after the UTF8 literal');
    messages.push({ flags, internalDate, content: bytes, binary, utf8 });
  } while (!r.atEnd());
  return { tag, name: 'APPEND', mailbox, messages };
}

export function parseGetQuota(r: ArgReader, tag: string): GetQuotaCommand {
  r.space('quota root');
  return { tag, name: 'GETQUOTA', root: r.astring('quota root') };
}

export function parseGetQuotaRoot(r: ArgReader, tag: string): GetQuotaRootCommand {
  r.space('mailbox name');
  return { tag, name: 'GETQUOTAROOT', mailbox: r.mailbox() };
}

/** RFC 9208 §4.3: SETQUOTA SP quota-root-name SP "(" [resource-name SP resource-limit ...] ")". */
export function parseSetQuota(r: ArgReader, tag: string): SetQuotaCommand {
  r.space('quota root');
  const root = r.astring('quota root');
  r.space('quota limits');
  const limits: QuotaLimit[] = r.list('quota limits', () => {
    const resource = r.keyword('quota resource');
    r.space('quota limit');
    return { resource, limit: r.number('quota limit', Number.MAX_SAFE_INTEGER) };
  });
  return { tag, name: 'SETQUOTA', root, limits };
}
