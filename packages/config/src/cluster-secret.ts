import { readFileSync } from 'node:fs';

/**
 * The cluster secret file: one line of text (`tandem cluster init` writes 32 random bytes as
 * base64url), the same on every member. Its bytes, without the trailing newline, key the transport's
 * authentication (DESIGN §7: no outsider can join or inject entries).
 */

/** The replication transport refuses shorter secrets. */
export const clusterSecretBytesMin = 16;

export class ClusterSecretError extends Error {
  override readonly name = 'ClusterSecretError';
  constructor(readonly path: string, detail: string) { super(`cluster secret ${path}: ${detail}`); }
}

export function readClusterSecret(path: string): Uint8Array {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ClusterSecretError(path, `cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const secret = Buffer.from(text.replace(/\r?\n$/, ''), 'utf8');
  if (secret.length < clusterSecretBytesMin) throw new ClusterSecretError(path, `${secret.length} bytes; at least ${clusterSecretBytesMin} are needed`);
  return secret;
}
