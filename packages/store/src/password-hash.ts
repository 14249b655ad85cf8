/**
 * Password hashing with scrypt (RFC 7914), encoded in the PHC string format so the parameters and
 * the salt travel with the hash and can be raised later without breaking old hashes:
 *   $scrypt$ln=15,r=8,p=1$<salt, base64 no padding>$<key, base64 no padding>
 * The proposer hashes (user.add, user.passwd); apply() only stores the string, so it stays
 * deterministic and cheap.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const costLog2 = 15; // N = 32768: ~50 ms here; OWASP's scrypt floor is N=2^17 with r=8 at p=1, or 2^15 with higher p
const blockSize = 8;
const parallelization = 1;
const saltBytes = 16;
const keyBytes = 32;
// Bounds for parameters read from a stored hash, so a crafted hash cannot make verify() eat the machine.
const costLog2Max = 20;
const blockSizeMax = 16;
const parallelizationMax = 16;

function scryptAsync(plain: string, salt: Buffer, keyLength: number, ln: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** ln;
  return new Promise((resolve, reject) => {
    scrypt(plain.normalize('NFC'), salt, keyLength, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (err, key) => {
      if (err) reject(err); else resolve(key);
    });
  });
}

function b64(buf: Buffer): string { return buf.toString('base64').replace(/=+$/, ''); }

export async function hashPassword(plain: string): Promise<string> {
  if (typeof plain !== 'string') throw new TypeError('password must be a string');
  const salt = randomBytes(saltBytes);
  const key = await scryptAsync(plain, salt, keyBytes, costLog2, blockSize, parallelization);
  return `$scrypt$ln=${costLog2},r=${blockSize},p=${parallelization}$${b64(salt)}$${b64(key)}`;
}

interface ParsedHash { ln: number; r: number; p: number; salt: Buffer; key: Buffer }

function parseHash(encoded: string): ParsedHash | undefined {
  const m = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{11,})\$([A-Za-z0-9+/]{22,})$/.exec(encoded);
  if (!m) return undefined;
  const ln = Number(m[1]); const r = Number(m[2]); const p = Number(m[3]);
  if (ln < 1 || ln > costLog2Max || r < 1 || r > blockSizeMax || p < 1 || p > parallelizationMax) return undefined;
  return { ln, r, p, salt: Buffer.from(m[4]!, 'base64'), key: Buffer.from(m[5]!, 'base64') };
}

/** True when the encoded hash is one hashPassword() could have produced (used to validate commands). */
export function isPasswordHash(encoded: string): boolean {
  return typeof encoded === 'string' && parseHash(encoded) !== undefined;
}

/** Constant-time comparison of the derived key; false (never a throw) for a malformed hash. */
export async function verifyPassword(plain: string, encoded: string): Promise<boolean> {
  if (typeof plain !== 'string' || typeof encoded !== 'string') return false;
  const parsed = parseHash(encoded);
  if (!parsed) return false;
  const key = await scryptAsync(plain, parsed.salt, parsed.key.length, parsed.ln, parsed.r, parsed.p);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}
