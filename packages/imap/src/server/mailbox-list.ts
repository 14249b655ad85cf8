/**
 * The entries of LIST (RFC 9051 §6.3.9, RFC 5258 LIST-EXTENDED, RFC 6154 SPECIAL-USE, RFC 3348
 * CHILDREN) and LSUB (RFC 3501 §6.3.9) for one user. Pure over the user's mailbox records and
 * subscriptions; the handlers write the responses.
 *
 * A name that has inferiors but no mailbox of its own (a parent deleted after its children were
 * made) is listed as \NonExistent (extended LIST and IMAP4rev2) or \Noselect (IMAP4rev1).
 */
import { hierarchyDelimiter, INBOX } from '@tandem/store';
import type { MailboxRecord } from '@tandem/store';
import type { ListSelectionOptions, ListReturnOptions } from '../wire/command-types.js';
import type { NameMatcher } from './mailbox-pattern.js';

export interface ListedMailbox {
  readonly name: string;
  readonly attributes: string[];
  /** RFC 5258 §3.5 CHILDINFO: why a non-matching parent is listed (RECURSIVEMATCH). */
  readonly childInfo: string[];
  /** The mailbox exists (STATUS may be asked of it). */
  readonly record: MailboxRecord | null;
}

export interface ListRequest {
  readonly matchers: readonly NameMatcher[];
  readonly selection: ListSelectionOptions;
  readonly returnOptions: ListReturnOptions;
  /** Use \NonExistent (LIST-EXTENDED syntax or IMAP4rev2) rather than \Noselect. */
  readonly nonExistentAttribute: boolean;
}

export function listMailboxes(records: readonly MailboxRecord[], subscribed: ReadonlySet<string>, request: ListRequest): ListedMailbox[] {
  const byName = new Map(records.map((r) => [r.name, r]));
  const names = new Set<string>(records.map((r) => r.name));
  for (const r of records) for (const parent of superiors(r.name)) names.add(parent);
  if (request.selection.subscribed) {
    for (const s of subscribed) {
      names.add(s);
      if (request.selection.recursiveMatch) for (const parent of superiors(s)) names.add(parent);
    }
  }
  // \HasChildren is about mailboxes that exist (RFC 3348 §4), subscribed or not.
  const hasChildren = new Set<string>();
  for (const r of records) for (const parent of superiors(r.name)) hasChildren.add(parent);
  const matches = (name: string): boolean => request.matchers.some((m) => m(name));
  const { selection, returnOptions } = request;
  const selected = (name: string): boolean => {
    if (selection.subscribed && !subscribed.has(name)) return false;
    if (selection.specialUse && byName.get(name)?.specialUse === undefined) return false;
    return true;
  };
  const out: ListedMailbox[] = [];
  for (const name of sortNames([...names])) {
    if (!matches(name)) continue;
    const record = byName.get(name) ?? null;
    const childInfo: string[] = [];
    if (!selected(name)) {
      // RFC 5258 §3.5: with RECURSIVEMATCH a parent is listed when an inferior meets the selection.
      if (!selection.recursiveMatch || !selection.subscribed) continue;
      if (![...subscribed].some((s) => s.startsWith(name + hierarchyDelimiter))) continue;
      childInfo.push('SUBSCRIBED');
    }
    if (!record && !selection.subscribed && !hasChildren.has(name)) continue;
    out.push({ name, attributes: attributesOf(name, record, subscribed, hasChildren, request, returnOptions), childInfo, record });
  }
  return out;
}

function attributesOf(
  name: string, record: MailboxRecord | null, subscribed: ReadonlySet<string>, hasChildren: ReadonlySet<string>,
  request: ListRequest, returnOptions: ListReturnOptions,
): string[] {
  const attributes: string[] = [];
  if (!record) attributes.push(request.nonExistentAttribute ? '\\NonExistent' : '\\Noselect');
  // RFC 3348 / RFC 5258 §4: children are reported for every entry (cheap here), not only on request.
  attributes.push(hasChildren.has(name) ? '\\HasChildren' : '\\HasNoChildren');
  if (returnOptions.subscribed && subscribed.has(name)) attributes.push('\\Subscribed');
  // RFC 6154 §2: special-use attributes are returned in every LIST response.
  if (record?.specialUse) attributes.push(record.specialUse);
  return attributes;
}

/** "a/b/c" → ["a", "a/b"]. */
function superiors(name: string): string[] {
  const out: string[] = [];
  let cut = name.indexOf(hierarchyDelimiter);
  while (cut !== -1) {
    out.push(name.slice(0, cut));
    cut = name.indexOf(hierarchyDelimiter, cut + 1);
  }
  return out;
}

/** INBOX first, then by name (code unit order), like the store. */
export function sortNames(names: string[]): string[] {
  return names.sort((a, b) => (a === INBOX ? -1 : b === INBOX ? 1 : a < b ? -1 : a > b ? 1 : 0));
}

/**
 * LSUB (RFC 3501 §6.3.9): subscribed names that match; a subscribed name that no longer exists is
 * \Noselect; with "%", a matching parent of a subscribed name is listed as \Noselect too.
 */
export function listSubscribed(records: readonly MailboxRecord[], subscribed: ReadonlySet<string>, matcher: NameMatcher): Array<{ name: string; attributes: string[] }> {
  const existing = new Set(records.map((r) => r.name));
  const out = new Map<string, string[]>();
  for (const name of subscribed) {
    if (matcher(name)) {
      out.set(name, existing.has(name) ? [] : ['\\Noselect']);
      continue;
    }
    // Only a "%" can stop at a parent: then the parent stands in for its subscribed inferior.
    for (const parent of superiors(name)) {
      if (!subscribed.has(parent) && !out.has(parent) && matcher(parent)) out.set(parent, ['\\Noselect']);
    }
  }
  return sortNames([...out.keys()]).map((name) => ({ name, attributes: out.get(name)! }));
}
