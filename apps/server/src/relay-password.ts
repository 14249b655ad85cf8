/**
 * The outbound relay's AUTH password, from the file the config names (outbound.relay.passwordFile):
 * read once at start, first line, trailing newline dropped. A file anyone on the machine can read
 * is refused, as a TLS key would be: the password is the company's right to send through the relay.
 */
import { readFileSync, statSync } from 'node:fs';
import type { TandemConfig } from '@tandem/config';

export class RelayPasswordError extends Error {
  override readonly name = 'RelayPasswordError';
}

export function readRelayPassword(config: TandemConfig): string | undefined {
  const file = config.outbound?.relay?.passwordFile;
  if (file === undefined) return undefined;
  let text: string;
  try {
    if ((statSync(file).mode & 0o004) !== 0) throw new RelayPasswordError(`outbound.relay.passwordFile ${file} is readable by everyone; chmod o-r it (600 or 640)`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof RelayPasswordError) throw err;
    throw new RelayPasswordError(`outbound.relay.passwordFile ${file}: ${(err as Error).message}`);
  }
  const password = text.split(/\r?\n/, 1)[0] ?? '';
  if (password.length === 0) throw new RelayPasswordError(`outbound.relay.passwordFile ${file} is empty; its first line is the relay password`);
  return password;
}
