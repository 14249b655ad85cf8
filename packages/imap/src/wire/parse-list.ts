/**
 * LIST (RFC 9051 §6.3.9, RFC 5258 LIST-EXTENDED, RFC 5819 LIST-STATUS, RFC 6154 SPECIAL-USE),
 * LSUB (RFC 3501 §6.3.9) and STATUS (RFC 9051 §6.3.11, RFC 7162 HIGHESTMODSEQ, RFC 8438 SIZE,
 * RFC 7889 APPENDLIMIT).
 */
import type { ArgReader } from './arg-reader.js';
import type {
  ListCommand, ListReturnOptions, ListSelectionOptions, LsubCommand, StatusCommand, StatusItem,
} from './command-types.js';
import { printable } from './parse-error.js';

const statusItems = new Set<string>([
  'MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'HIGHESTMODSEQ', 'SIZE', 'DELETED', 'APPENDLIMIT',
]);

/** "(" status-att *(SP status-att) ")" */
export function statusItemList(r: ArgReader): StatusItem[] {
  const items = r.list('status items', () => {
    const item = r.keyword('status item');
    if (!statusItems.has(item)) r.fail(`Unknown status item: ${printable(item)}`);
    return item as StatusItem;
  });
  if (items.length === 0) r.fail('Empty status item list');
  return [...new Set(items)];
}

function selectionOptions(r: ArgReader): ListSelectionOptions {
  const seen = new Set<string>();
  r.list('LIST selection options', () => {
    const option = r.keyword('LIST selection option');
    if (option !== 'SUBSCRIBED' && option !== 'REMOTE' && option !== 'RECURSIVEMATCH' && option !== 'SPECIAL-USE') {
      r.fail(`Unknown LIST selection option: ${printable(option)}`);
    }
    seen.add(option);
  });
  // RFC 5258 §3.1: RECURSIVEMATCH only refines another selection option (REMOTE does not count).
  if (seen.has('RECURSIVEMATCH') && !seen.has('SUBSCRIBED') && !seen.has('SPECIAL-USE')) {
    r.fail('RECURSIVEMATCH needs another selection option');
  }
  return {
    subscribed: seen.has('SUBSCRIBED'),
    remote: seen.has('REMOTE'),
    recursiveMatch: seen.has('RECURSIVEMATCH'),
    specialUse: seen.has('SPECIAL-USE'),
  };
}

function returnOptions(r: ArgReader): ListReturnOptions {
  const seen = new Set<string>();
  let status: StatusItem[] | null = null;
  r.list('LIST return options', () => {
    const option = r.keyword('LIST return option');
    if (option === 'STATUS') {
      // RFC 5819 §2: STATUS (status-att ...).
      if (status !== null) r.fail('STATUS return option given twice');
      r.space('STATUS items');
      status = statusItemList(r);
    } else if (option === 'SUBSCRIBED' || option === 'CHILDREN' || option === 'SPECIAL-USE') {
      seen.add(option);
    } else {
      r.fail(`Unknown LIST return option: ${printable(option)}`);
    }
  });
  return {
    subscribed: seen.has('SUBSCRIBED'),
    children: seen.has('CHILDREN'),
    specialUse: seen.has('SPECIAL-USE'),
    status,
  };
}

const noSelection: ListSelectionOptions = { subscribed: false, remote: false, recursiveMatch: false, specialUse: false };
const noReturn: ListReturnOptions = { subscribed: false, children: false, specialUse: false, status: null };

/**
 * RFC 5258 §6: LIST [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts];
 * mbox-or-pat = list-mailbox / "(" list-mailbox *(SP list-mailbox) ")".
 */
export function parseList(r: ArgReader, tag: string): ListCommand {
  r.space('reference name');
  let extended = false;
  let selection = noSelection;
  if (r.peek() === 0x28) {
    selection = selectionOptions(r);
    extended = true;
    r.space('reference name');
  }
  const reference = r.astring('reference name');
  r.space('mailbox pattern');
  let patterns: string[];
  if (r.peek() === 0x28) {
    patterns = r.list('mailbox patterns', () => r.listMailbox('mailbox pattern'));
    if (patterns.length === 0) r.fail('Empty mailbox pattern list');
    extended = true;
  } else {
    patterns = [r.listMailbox('mailbox pattern')];
  }
  let returned = noReturn;
  if (r.moreArguments()) {
    const word = r.keyword('RETURN');
    if (word !== 'RETURN') r.fail('Expected RETURN after the mailbox pattern');
    r.space('LIST return options');
    returned = returnOptions(r);
    extended = true;
  }
  // RFC 5258 §3.2: SUBSCRIBED selection implies the SUBSCRIBED return option.
  if (selection.subscribed && !returned.subscribed) returned = { ...returned, subscribed: true };
  return { tag, name: 'LIST', reference, patterns, selection, returnOptions: returned, extended };
}

export function parseLsub(r: ArgReader, tag: string): LsubCommand {
  r.space('reference name');
  const reference = r.astring('reference name');
  r.space('mailbox pattern');
  const pattern = r.listMailbox('mailbox pattern');
  return { tag, name: 'LSUB', reference, pattern };
}

export function parseStatus(r: ArgReader, tag: string): StatusCommand {
  r.space('mailbox name');
  const mailbox = r.mailbox();
  r.space('status items');
  return { tag, name: 'STATUS', mailbox, items: statusItemList(r) };
}
