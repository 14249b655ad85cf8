/**
 * The durable part of the Maildir tree under `<data>/mail`, as snapshots and state digests see
 * it: every directory and every file, in one canonical order, except what only exists while a
 * command is being applied or ahead of it — the contents of each Maildir's tmp/ (the queue's too) and the
 * `.staging` directory (message-staging.ts). Two nodes at the same applied index have the same
 * tree by this definition, whatever their in-flight work.
 *
 * Order: paths sorted by UTF-16 code units (JavaScript's default), with "/" as the separator; a
 * directory always comes before everything inside it (a prefix sorts first).
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { forEachBounded } from './for-each-bounded.js';
import { archiveFolder, queueFolder, reviewFolder } from './store-paths.js';

export interface TreeEntry {
  /** Relative to the mail root, "/"-separated. */
  path: string;
  kind: 'dir' | 'file';
  sizeBytes: number;
  /** Device and inode, so hard links can be recognised ("<dev>:<ino>"). */
  inode: string;
  links: number;
}

/** Paths that are not part of the durable state (see the file comment). */
export function isTransientPath(path: string): boolean {
  const parts = path.split('/');
  if (parts[0] === '.staging') return true;
  if (parts[0] === queueFolder || parts[0] === reviewFolder || parts[0] === archiveFolder) return parts[1] === 'tmp' && parts.length > 2; // .queue/tmp/…
  // <domain>/<local>/tmp/… (INBOX) and <domain>/<local>/.<Folder>/tmp/… (a sub-folder)
  if (parts.length > 3 && parts[2] === 'tmp') return true;
  return parts.length > 4 && parts[2]!.startsWith('.') && parts[3] === 'tmp';
}

/** The tree in canonical order. Anything but a directory or a regular file is corruption: thrown. */
export async function walkStoreTree(mailRoot: string): Promise<TreeEntry[]> {
  const names = (await readdir(mailRoot, { recursive: true })).map((n) => n.split('\\').join('/'));
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const paths = names.filter((path) => !isTransientPath(path));
  const out: TreeEntry[] = new Array<TreeEntry>(paths.length);
  await forEachBounded(paths, 4, async (path, i) => {
    const st = await lstat(join(mailRoot, path));
    if (!st.isDirectory() && !st.isFile()) throw new Error(`unexpected file type in the mail tree: ${path}`);
    out[i] = {
      path, kind: st.isDirectory() ? 'dir' : 'file', sizeBytes: st.isFile() ? st.size : 0,
      inode: `${st.dev}:${st.ino}`, links: st.nlink,
    };
  });
  return out;
}
