/**
 * DKIM keys for `tandem dkim keygen` and `tandem dkim record`: a new private key (RSA 2048, the
 * size RFC 8301 §3.2 asks signers for, or Ed25519, RFC 8463), and the TXT record that publishes
 * its public key at <selector>._domainkey.<domain> (RFC 6376 §3.6.1: v=DKIM1; k=…; p=<base64>).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';

export type DkimKeyType = 'rsa' | 'ed25519';

export function generateDkimKey(type: DkimKeyType): string {
  const pair = type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519');
  return pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** The TXT record's text for a private key's public half. */
export function dkimRecordOf(privateKeyPem: string): string {
  const publicKey = createPublicKey(createPrivateKey(privateKeyPem));
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  if (publicKey.asymmetricKeyType === 'rsa') return `v=DKIM1; k=rsa; p=${spki.toString('base64')}`;
  // RFC 8463 §4.2: the bare 32-byte key, not its SubjectPublicKeyInfo (whose last 32 bytes it is).
  if (publicKey.asymmetricKeyType === 'ed25519') return `v=DKIM1; k=ed25519; p=${spki.subarray(spki.length - 32).toString('base64')}`;
  throw new Error(`a ${publicKey.asymmetricKeyType} key cannot sign DKIM; use an RSA (2048 bits or more) or Ed25519 key`);
}
