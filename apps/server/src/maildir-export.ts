/**
 * `tandem export`: a standard Maildir++ copy of the mail, readable by Dovecot or any Maildir tool
 * (DESIGN §5: no lock-in; the tree itself is written by @tandem/store's exportMaildir). It goes under
 * the daemon's own data dir, `<data>/exports/maildir-<UTC time>/`, for two reasons: that is the one
 * place a tandemd confined by its systemd unit may write (ProtectSystem=strict, ReadWritePaths), and
 * it is the store's file system, so every message is a hard link — the export takes no space and
 * little time however big the store. The admin copies it away (cp -a, rsync, tar all make files of
 * their own) and removes it with rm -r, which never touches the store. Being links, the files share
 * their owner and mode with the store's: change those on a copy, not in place.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { dataDirStamp, exportMaildir, type ExportSummary, type StoreReader } from '@tandem/store';

export interface MaildirExport extends ExportSummary {
  /** Where the tree is: `<path>/<domain>/<localpart>/` per user. */
  path: string;
}

/** `maildir-20261130T011500Z`, then `-2`, `-3`… if two exports start in the same second. */
export async function exportUnderDataDir(reader: StoreReader, dataDir: string, users: readonly string[] | undefined, nowMs: number): Promise<MaildirExport> {
  const path = await newExportName(dataDir, 'maildir', '', nowMs, (p) => mkdir(p, { mode: 0o700 }));
  return { path, ...await exportMaildir(reader, path, users) };
}

/**
 * A new name `<data>/exports/<prefix>-<UTC time><suffix>`, made by `create` (which must fail with
 * EEXIST when the name is taken: mkdir, or open with 'wx'); `-2`, `-3`… when two exports start in
 * the same second.
 */
export async function newExportName(dataDir: string, prefix: string, suffix: string, nowMs: number, create: (path: string) => Promise<unknown>): Promise<string> {
  const parent = join(dataDir, 'exports');
  await mkdir(parent, { recursive: true, mode: 0o700 });
  const stamp = dataDirStamp(nowMs);
  for (let n = 1; ; n++) {
    const path = join(parent, `${prefix}-${stamp}${n === 1 ? '' : `-${n}`}${suffix}`);
    try {
      await create(path);
      return path;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}
