/**
 * DKIM signatures (RFC 6376) on mail that leaves, with mailauth's signer: the key whose domain is
 * the From header's (so the signature aligns for DMARC, RFC 7489 §3.1.1), else the envelope
 * sender's, else none. Signed as sent (after our Return-Path is cut off), relaxed/relaxed, over
 * mailauth's default header list, with the time of the attempt; a message that cannot be signed is
 * sent unsigned and logged, never held back — a missing signature costs reputation, a held message
 * costs the mail.
 */
import { dkimSign } from 'mailauth';
import { headerFields, parseAddress } from '@tandem/store';

export interface DkimKey { domain: string; selector: string; privateKey: string }

/** The domain of the From header's (first) address, lower case; undefined when there is none to read. */
export function fromDomain(message: Uint8Array): string | undefined {
  const from = headerFields(message, ['from'], 998).get('from') ?? '';
  const address = /<([^<>\s]+@[^<>\s]+)>/.exec(from)?.[1] ?? /([^\s<>,;:"]+@[^\s<>,;:"]+)/.exec(from)?.[1];
  if (address === undefined) return undefined;
  try { return parseAddress(address).domain; } catch { return undefined; }
}

export function keyFor(keys: readonly DkimKey[], message: Uint8Array, mailFrom: string): DkimKey | undefined {
  const byDomain = (domain: string | undefined): DkimKey | undefined => (domain === undefined ? undefined : keys.find((k) => k.domain === domain));
  let envelopeDomain: string | undefined;
  try { envelopeDomain = mailFrom === '' ? undefined : parseAddress(mailFrom).domain; } catch { envelopeDomain = undefined; }
  return byDomain(fromDomain(message)) ?? byDomain(envelopeDomain);
}

/** The message with its DKIM-Signature on top, or as it was when no key applies; throws when signing fails. */
export async function signMessage(keys: readonly DkimKey[], message: Buffer, mailFrom: string, nowMs: number): Promise<{ message: Buffer; signedBy?: string }> {
  const key = keyFor(keys, message, mailFrom);
  if (!key) return { message };
  const result = await dkimSign(message, {
    canonicalization: 'relaxed/relaxed', signTime: new Date(nowMs),
    signatureData: [{ signingDomain: key.domain, selector: key.selector, privateKey: key.privateKey }],
  } as Parameters<typeof dkimSign>[1]);
  // mailauth answers '\r\n' (no header) and lists why when a key cannot sign.
  if (result.errors.length > 0 || result.signatures.trim() === '') throw new Error(`DKIM signing for ${key.domain} failed: ${JSON.stringify(result.errors)}`);
  return { message: Buffer.concat([Buffer.from(result.signatures, 'latin1'), message]), signedBy: `${key.selector}._domainkey.${key.domain}` };
}
