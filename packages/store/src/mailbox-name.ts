/**
 * Mailbox name validation. Every mailbox name that reaches the file system passes through here
 * and then through maildirFolderName(); together they guarantee that a name can only ever map to
 * one directory directly under the user's Maildir root (no traversal, no absolute paths).
 *
 * Names use "/" as the hierarchy delimiter (RFC 9051 §5.1), are UTF-8 in NFC (RFC 9051 §5.1 via
 * Net-Unicode, RFC 5198), and "INBOX" is case-insensitive (RFC 9051 §5.1): its first component is
 * normalised to "INBOX", so "inbox/Lists" is "INBOX/Lists". All other names are case-sensitive.
 */
import { limits } from '@tandem/config';
import { hasLoneSurrogate } from './address.js';
import { maildirFolderName } from './maildir-folder.js';
import { InvalidMailboxNameError } from './store-errors.js';

export const INBOX = 'INBOX';
export const hierarchyDelimiter = '/';

// C0, DEL and C1 controls: never in a name (they break protocol output and terminals).
const controlRe = /[\u0000-\u001f\u007f-\u009f]/;

/** True when the (already validated) name is INBOX itself. */
export function isInbox(name: string): boolean {
  return name === INBOX;
}

/** Returns the normalised name, or throws InvalidMailboxNameError saying why not. */
export function validateMailboxName(input: string): string {
  if (typeof input !== 'string') throw new InvalidMailboxNameError(String(input), 'not a string');
  if (hasLoneSurrogate(input)) throw new InvalidMailboxNameError(input, 'not valid Unicode');
  let name = input.normalize('NFC');
  // RFC 9051 §6.3.4: a trailing delimiter only declares the intent to create children.
  if (name.length > 1 && name.endsWith(hierarchyDelimiter)) name = name.slice(0, -1);
  if (name.length === 0) throw new InvalidMailboxNameError(input, 'empty');
  if (name.startsWith(hierarchyDelimiter)) throw new InvalidMailboxNameError(input, 'absolute names are not allowed');
  if (controlRe.test(name)) throw new InvalidMailboxNameError(input, 'control characters are not allowed');
  // RFC 9051 §5.1 / §6.3.9: "%" and "*" are LIST wildcards; a name holding them could not be listed exactly.
  if (name.includes('%') || name.includes('*')) throw new InvalidMailboxNameError(input, 'the wildcards "%" and "*" are not allowed');
  if (Buffer.byteLength(name, 'utf8') > limits.mailboxNameBytesMax) {
    throw new InvalidMailboxNameError(input, `longer than ${limits.mailboxNameBytesMax} bytes`);
  }
  const components = name.split(hierarchyDelimiter);
  if (components.length > limits.mailboxDepthMax) {
    throw new InvalidMailboxNameError(input, `deeper than ${limits.mailboxDepthMax} levels`);
  }
  for (const component of components) {
    if (component.length === 0) throw new InvalidMailboxNameError(input, 'empty hierarchy level ("//")');
    if (component === '.' || component === '..') throw new InvalidMailboxNameError(input, `"${component}" is not a name`);
  }
  if (components[0]!.toUpperCase() === INBOX) components[0] = INBOX;
  const normalised = components.join(hierarchyDelimiter);
  // The folder name must fit in one directory entry (NAME_MAX); escaping can make it longer.
  if (Buffer.byteLength(maildirFolderName(normalised), 'utf8') > 255) {
    throw new InvalidMailboxNameError(input, 'too long once stored as a Maildir++ folder');
  }
  return normalised;
}

/** Like validateMailboxName but returns undefined instead of throwing (for read paths). */
export function tryMailboxName(input: string): string | undefined {
  try { return validateMailboxName(input); } catch (err) {
    if (err instanceof InvalidMailboxNameError) return undefined;
    throw err;
  }
}

/** The names of the superiors of a name: "a/b/c" → ["a", "a/b"]. */
export function superiorNames(name: string): string[] {
  const components = name.split(hierarchyDelimiter);
  const out: string[] = [];
  for (let i = 1; i < components.length; i++) out.push(components.slice(0, i).join(hierarchyDelimiter));
  return out;
}

/** True when `name` is `parent` or lies below it in the hierarchy. */
export function isSelfOrInferior(name: string, parent: string): boolean {
  return name === parent || name.startsWith(parent + hierarchyDelimiter);
}
