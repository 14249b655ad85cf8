/**
 * The outbound side's secrets, read once at start from the files the config names: the relay's
 * AUTH password (outbound.relay.passwordFile: its first line) and the DKIM private keys
 * (outbound.dkim[].privateKeyFile: PEM). A file anyone on the machine can read is refused, as a TLS
 * key would be: the password is the company's right to send through the relay, a DKIM key its
 * right to sign as its domains. A key that cannot sign DKIM (not RSA or Ed25519) is refused too.
 */
import { readFileSync, statSync } from 'node:fs';
import type { TandemConfig } from '@tandem/config';
import { dkimRecordOf, type DkimKey } from '@tandem/smtp';

export class OutboundSecretError extends Error {
  override readonly name = 'OutboundSecretError';
}

/** A private file's text; `key` names the config key in every refusal. */
function readPrivateFile(file: string, key: string): string {
  try {
    if ((statSync(file).mode & 0o004) !== 0) throw new OutboundSecretError(`${key} ${file} is readable by everyone; chmod o-r it (600 or 640)`);
    return readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof OutboundSecretError) throw err;
    throw new OutboundSecretError(`${key} ${file}: ${(err as Error).message}`);
  }
}

export function readRelayPassword(config: TandemConfig): string | undefined {
  const file = config.outbound?.relay?.passwordFile;
  if (file === undefined) return undefined;
  const password = readPrivateFile(file, 'outbound.relay.passwordFile').split(/\r?\n/, 1)[0] ?? '';
  if (password.length === 0) throw new OutboundSecretError(`outbound.relay.passwordFile ${file} is empty; its first line is the relay password`);
  return password;
}

export function readDkimKeys(config: TandemConfig): DkimKey[] {
  return (config.outbound?.dkim ?? []).map((k, i) => {
    const privateKey = readPrivateFile(k.privateKeyFile, `outbound.dkim[${i}].privateKeyFile`);
    try {
      dkimRecordOf(privateKey);
    } catch (err) {
      throw new OutboundSecretError(`outbound.dkim[${i}].privateKeyFile ${k.privateKeyFile}: ${(err as Error).message}`);
    }
    return { domain: k.domain, selector: k.selector, privateKey };
  });
}
