/**
 * Address and domain parsing for the store. Everything that names a user on disk goes through
 * parseLocalAddress(), whose local part and domain are safe single path components: that is what
 * keeps one user's files out of another's reach (DESIGN.md §7).
 *
 * Accepted: a dot-atom local part (RFC 5322 §3.2.3, with UTF-8 allowed as in RFC 6531 §3.3) and a
 * host name. Not accepted: quoted local parts ("a b"@x) and address literals (user@[192.0.2.1]);
 * callers that meet them answer 501/553.
 */
import { limits } from '@tandem/config';
import { InvalidAddressError } from './store-errors.js';

export interface ParsedAddress {
  /** As given (NFC), case preserved (RFC 5321 §2.4: the local part may be case-sensitive). */
  localPart: string;
  /** Lower case. */
  domain: string;
  /** localPart + "@" + domain. */
  address: string;
}

// RFC 5322 §3.2.3 atext, plus any non-ASCII character (RFC 6531 §3.3 UTF8-non-ascii).
const atextRe = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u{80}-\u{10FFFF}]+$/u;
const asciiLabelRe = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const localPartBytesMax = 64; // RFC 5321 §4.5.3.1.1
const domainBytesMax = 253; // RFC 1035 §2.3.4 (255 on the wire, minus the length octets)
const labelBytesMax = 63;

function utf8Bytes(s: string): number { return Buffer.byteLength(s, 'utf8'); }

/** Lone UTF-16 surrogates cannot be written as UTF-8, so such a name would not round-trip. */
export function hasLoneSurrogate(s: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

/** Validates a host name and returns it in lower case (a trailing root dot is not accepted). */
export function parseDomain(input: string): string {
  if (typeof input !== 'string' || input.length === 0) throw new InvalidAddressError(String(input), 'empty domain');
  if (hasLoneSurrogate(input)) throw new InvalidAddressError(input, 'not valid Unicode');
  const domain = input.normalize('NFC').toLowerCase();
  if (utf8Bytes(domain) > domainBytesMax) throw new InvalidAddressError(input, `domain longer than ${domainBytesMax} bytes`);
  if (domain.startsWith('[')) throw new InvalidAddressError(input, 'address literals are not supported');
  for (const label of domain.split('.')) {
    if (label.length === 0) throw new InvalidAddressError(input, 'empty domain label');
    if (utf8Bytes(label) > labelBytesMax) throw new InvalidAddressError(input, `domain label longer than ${labelBytesMax} bytes`);
    const ascii = /^[\x00-\x7f]*$/.test(label);
    if (ascii && !asciiLabelRe.test(label)) throw new InvalidAddressError(input, `bad domain label ${JSON.stringify(label)}`);
    // U-labels (RFC 5890): letters and digits of any script, hyphens inside; no ASCII punctuation.
    if (!ascii && !/^[\p{L}\p{M}\p{N}](?:[\p{L}\p{M}\p{N}-]*[\p{L}\p{M}\p{N}])?$/u.test(label)) {
      throw new InvalidAddressError(input, `bad domain label ${JSON.stringify(label)}`);
    }
  }
  return domain;
}

/**
 * Addresses parsed lately: the same few recipients and senders come back with every message, and
 * the checks (NFC, UTF-8 lengths, per-label patterns) cost microseconds each time. Only successful
 * parses are kept, frozen; the whole map is dropped when it reaches limits.parsedAddressCacheMax.
 */
const parsedAddresses = new Map<string, Readonly<ParsedAddress>>();

/** Parses "local@domain": dot-atom local part (case kept), host-name domain (lower-cased). */
export function parseAddress(input: string): ParsedAddress {
  const known = parsedAddresses.get(input);
  if (known) return known;
  const parsed = Object.freeze(parseAddressUncached(input));
  if (parsedAddresses.size >= limits.parsedAddressCacheMax) parsedAddresses.clear();
  parsedAddresses.set(input, parsed);
  return parsed;
}

function parseAddressUncached(input: string): ParsedAddress {
  if (typeof input !== 'string' || input.length === 0) throw new InvalidAddressError(String(input), 'empty address');
  if (hasLoneSurrogate(input)) throw new InvalidAddressError(input, 'not valid Unicode');
  if (utf8Bytes(input) > limits.addressBytesMax) throw new InvalidAddressError(input, `longer than ${limits.addressBytesMax} bytes`);
  const at = input.lastIndexOf('@');
  if (at <= 0) throw new InvalidAddressError(input, 'missing local part or "@"');
  const localPart = input.slice(0, at).normalize('NFC');
  if (localPart.startsWith('"')) throw new InvalidAddressError(input, 'quoted local parts are not supported');
  if (utf8Bytes(localPart) > localPartBytesMax) throw new InvalidAddressError(input, `local part longer than ${localPartBytesMax} bytes`);
  // RFC 5322 §3.2.3 dot-atom: atoms separated by single dots, none at either end.
  for (const atom of localPart.split('.')) {
    if (atom.length === 0) throw new InvalidAddressError(input, 'empty atom in local part (leading, trailing or double dot)');
    if (!atextRe.test(atom)) throw new InvalidAddressError(input, 'local part has a character that needs quoting');
  }
  const domain = parseDomain(input.slice(at + 1));
  return { localPart, domain, address: `${localPart}@${domain}` };
}

/**
 * The identity of a local user or alias: the whole address in lower case. RFC 5321 §2.4 lets the
 * local part be case-sensitive but discourages relying on it; every mail server operators know
 * treats "Demo@x" and "demo@x" as the same mailbox.
 */
export function canonicalAddress(input: string): string {
  const parsed = parseAddress(input);
  return `${parsed.localPart.toLowerCase()}@${parsed.domain}`;
}

/**
 * A local user's address, canonical, with parts that are safe as path components
 * (`<data>/mail/<domain>/<localPart>/`). "/" is legal atext but never allowed here.
 */
export function parseLocalAddress(input: string): ParsedAddress {
  const address = canonicalAddress(input);
  const at = address.lastIndexOf('@');
  const localPart = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (localPart.includes('/') || localPart.includes('\\')) {
    throw new InvalidAddressError(input, '"/" and "\\" are not allowed in a local user name');
  }
  // Dot-atom rules already exclude "." and ".." as a whole local part; assert it anyway.
  if (localPart === '.' || localPart === '..') throw new InvalidAddressError(input, 'not a safe name');
  return { localPart, domain, address };
}

/** An alias source: a full address or "@domain" for a catch-all. Returned canonical. */
export function parseAliasSource(input: string): { source: string; domain: string; catchAll: boolean } {
  if (typeof input === 'string' && input.startsWith('@')) {
    const domain = parseDomain(input.slice(1));
    return { source: `@${domain}`, domain, catchAll: true };
  }
  const source = canonicalAddress(input);
  return { source, domain: source.slice(source.lastIndexOf('@') + 1), catchAll: false };
}

/**
 * Whether `address` is `pattern`: an address (compared canonically) or "@domain" (the whole domain,
 * not one that only ends like it). Review rules, legal holds and archive searches all match this
 * way. A malformed address matches nothing.
 */
export function matchesAddressPattern(pattern: string, address: string): boolean {
  if (address === '') return false;
  let canonical: string;
  try { canonical = canonicalAddress(address); } catch { return false; }
  const p = pattern.toLowerCase();
  return p.startsWith('@') ? canonical.endsWith(p) : canonical === p;
}
