/**
 * The UTC time in names of things written beside the store in a data dir (`exports/maildir-<stamp>`,
 * `log.before-restore-<stamp>`): `20261130T011500Z`, to the second, sorting as it reads.
 */
export function dataDirStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}
