/**
 * Checks a user name and password against the store (LOGIN and AUTHENTICATE share it). An unknown
 * user costs the same scrypt work as a known one, so the time of a failure does not tell which
 * addresses exist.
 */
import { canonicalAddress, hashPassword, verifyPassword } from '@tandem/store';
import type { StoreReader } from '@tandem/store';

let dummyHash: Promise<string> | undefined;

/** The canonical address when the password is right, else null. */
export async function checkPassword(reader: StoreReader, username: string, password: string): Promise<string | null> {
  let address: string | undefined;
  try { address = canonicalAddress(username); } catch { address = undefined; }
  const user = address === undefined ? undefined : reader.getUser(address);
  if (!user) {
    await verifyPassword(password, await (dummyHash ??= hashPassword('tandem-dummy-password')));
    return null;
  }
  return (await verifyPassword(password, user.passwordHash)) ? user.address : null;
}
