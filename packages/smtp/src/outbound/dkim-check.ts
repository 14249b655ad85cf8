/**
 * The other side of dkim-signer.ts, for tests (not exported): mailauth's verifier (RFC 6376 §6),
 * asking a given DNS server for the keys through node's resolver — the way a receiving server
 * checks what Tandem sends. One "<d=>:<result>" per signature.
 */
import { Resolver } from 'node:dns/promises';
import { dkimVerify } from 'mailauth';

export async function dkimResults(message: Buffer, dnsServer: string): Promise<string[]> {
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([dnsServer]);
  const resolve = async (name: string, type: string): Promise<string[][]> => {
    if (type !== 'TXT') throw Object.assign(new Error(`no ${type} lookups here`), { code: 'ENOTFOUND' });
    return resolver.resolveTxt(name);
  };
  const verdict = await dkimVerify(message, { resolver: resolve as never });
  return verdict.results.map((r) => `${r.signingDomain}:${r.status.result}`);
}
