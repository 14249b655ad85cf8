/**
 * Where things live under the data directory. Every path is built from validated parts only
 * (parseLocalAddress, validateMailboxName → maildirFolderName, file names made by apply()), and
 * resolveUnderMail() re-checks the result stays inside `<data>/mail`: no user can reach another
 * user's files whatever a command says.
 *
 *   <data>/mail/<domain>/<localpart>/{cur,new,tmp}          INBOX (the Maildir++ root)
 *   <data>/mail/<domain>/<localpart>/.<Folder>/{cur,new,tmp,maildirfolder}
 *   <data>/mail/.queue/{new,tmp}                            the outbound queue's message files (apply-queue.ts)
 *   <data>/mail/.review/{new,tmp}                           messages held for review (apply-review.ts)
 *   <data>/mail/.archive/new/                               the journal's messages (hard links, apply-archive.ts)
 *   <data>/index/                                           LevelDB
 *
 * ".queue", ".review" and ".archive" can never be a domain (a domain label never starts with a dot), so it cannot meet a
 * user's tree.
 */
import { join, relative, resolve, sep } from 'node:path';
import { parseLocalAddress } from './address.js';

/** The outbound queue's folder, relative to the mail root. */
export const queueFolder = '.queue';
/** The folder of messages held for review, relative to the mail root. */
export const reviewFolder = '.review';
/** The archive journal's folder, relative to the mail root. */
export const archiveFolder = '.archive';

export class StorePaths {
  /** The data directory itself (absolute); other components may keep their own files in it too. */
  readonly dataDir: string;
  readonly mailRoot: string;
  readonly indexDir: string;

  constructor(dataDir: string) {
    const root = resolve(dataDir);
    this.dataDir = root;
    this.mailRoot = join(root, 'mail');
    this.indexDir = join(root, 'index');
  }

  /** `<domain>/<localpart>` for a local user, relative to mailRoot. */
  userRelative(user: string): string {
    const { localPart, domain } = parseLocalAddress(user);
    return `${domain}/${localPart}`;
  }

  domainDir(domain: string): string { return this.resolveUnderMail(domain); }
  userRoot(user: string): string { return this.resolveUnderMail(this.userRelative(user)); }

  /** The outbound queue's folder: message files in new/, written through tmp/ like a mailbox's. */
  get queueDir(): string { return join(this.mailRoot, queueFolder); }

  /** Messages held for review, in new/ (tmp/ while written). */
  get reviewDir(): string { return join(this.mailRoot, reviewFolder); }

  /** The journal's messages, in new/. */
  get archiveDir(): string { return join(this.mailRoot, archiveFolder); }

  /** The folder directory of a mailbox ("" = INBOX = the user's root). */
  folderDir(user: string, folder: string): string {
    return this.resolveUnderMail(folder ? `${this.userRelative(user)}/${folder}` : this.userRelative(user));
  }

  /** An absolute path for a path relative to mailRoot; throws if it would leave mailRoot. */
  resolveUnderMail(rel: string): string {
    const abs = resolve(this.mailRoot, rel);
    const back = relative(this.mailRoot, abs);
    if (back === '' || back.startsWith('..') || back.startsWith(sep) || back.split(sep).includes('..')) {
      throw new Error(`path escapes the mail root: ${JSON.stringify(rel)}`);
    }
    return abs;
  }
}
