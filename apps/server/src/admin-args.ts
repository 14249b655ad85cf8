/**
 * Reading an admin request's arguments, and turning a store's refusal into the admin API's
 * answer: shared by every group of admin operations (admin-operations.ts, archive-admin.ts,
 * review-admin.ts), so each says what it needs and a bad argument reads the same everywhere.
 */
import type { ApplyResult, StoreErrorCode } from '@tandem/store';
import { AdminRequestError } from './admin-errors.js';

export type AdminArgs = Record<string, unknown>;

export function requiredText(args: AdminArgs, key: string): string {
  const value = args[key];
  if (typeof value !== 'string' || value.length === 0) throw new AdminRequestError(400, 'INVALID', `${key} is required`);
  return value;
}

/** Absent (undefined or null) is undefined; present must be a non-empty string. */
export function optionalText(args: AdminArgs, key: string): string | undefined {
  return args[key] === undefined || args[key] === null ? undefined : requiredText(args, key);
}

export function textList(args: AdminArgs, key: string): string[] {
  const value = args[key] ?? [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw new AdminRequestError(400, 'INVALID', `${key} must be a list of strings`);
  return value as string[];
}

const httpStatusFor: Record<StoreErrorCode, number> = {
  NOTFOUND: 404, EXISTS: 409, NOQUOTA: 507, NOPERM: 403, INVALID: 400, MODIFIED: 409,
};

/** The result of a command, or its refusal as the admin API's error (404 NOTFOUND, 409 EXISTS, …). */
export function accepted<R extends ApplyResult>(result: R): Extract<R, { ok: true }> {
  if (!result.ok) throw new AdminRequestError(httpStatusFor[result.error], result.error, result.message);
  return result as Extract<R, { ok: true }>;
}
