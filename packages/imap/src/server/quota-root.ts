/**
 * QUOTA (RFC 9208): each user has at most one quota root, named "" (the whole account), holding
 * the STORAGE resource in units of 1024 octets (§5.1) when the user has a quota. Mailboxes share it.
 */
import type { QuotaResource } from '../wire/response-encoder.js';
import type { ServerContext } from './server-context.js';

export const quotaRootName = '';

/** The user's quota resources, or null when the user has no quota (no quota root then). */
export function quotaResources(server: ServerContext, user: string): QuotaResource[] | null {
  const quotaBytes = server.reader.getUser(user)?.quotaBytes;
  if (quotaBytes === undefined) return null;
  return [{ name: 'STORAGE', usage: Math.ceil(server.reader.usageBytes(user) / 1024), limit: Math.floor(quotaBytes / 1024) }];
}
