/**
 * Writes a standard Maildir++ copy of the store (DESIGN.md §5: no lock-in): the same folder
 * layout, every message in cur/ with its flags in the name (":2," info, letters in ASCII order as
 * the Maildir spec asks: D draft, F flagged, R replied, S seen, T trashed), keywords as the
 * lower-case letters Dovecot maps through a per-folder "dovecot-keywords" file (at most 26), and a
 * "dovecot-uidlist" (version 3) so Dovecot keeps our UIDs and UIDVALIDITY. Files are hard-linked
 * from the store when possible (same file system), copied otherwise; the store is only read.
 *
 * It runs beside the mail traffic: each mailbox is listed once, and a message expunged after that
 * (its file gone, or its UID no longer in the store) is left out and counted as `vanished` rather
 * than failing the export.
 */
import { access, mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { StoreReader } from './store-reader.js';
import { errCode, linkReplacing } from './durable-fs.js';
import { parseLocalAddress } from './address.js';
import { dovecotFolderName } from './maildir-folder.js';

const flagLetters: ReadonlyArray<readonly [string, string]> = [
  ['\\Draft', 'D'], ['\\Flagged', 'F'], ['\\Answered', 'R'], ['\\Seen', 'S'], ['\\Deleted', 'T'],
];
const keywordLettersMax = 26;

export interface ExportSummary { users: number; mailboxes: number; messages: number; vanished: number }

type ExportReader = Pick<StoreReader, 'listUsers' | 'getUser' | 'listMailboxes' | 'listMessages' | 'messagePath'>;

/** Exports every user (or only `users`) to `<outDir>/<domain>/<localpart>/`. */
export async function exportMaildir(store: ExportReader, outDir: string, users?: readonly string[]): Promise<ExportSummary> {
  const summary: ExportSummary = { users: 0, mailboxes: 0, messages: 0, vanished: 0 };
  const addresses = users ?? store.listUsers().map((u) => u.address);
  for (const address of addresses) {
    const { localPart, domain, address: user } = parseLocalAddress(address);
    if (!store.getUser(user)) continue;
    summary.users++;
    const root = join(outDir, domain, localPart);
    for (const mailbox of store.listMailboxes(user)) {
      summary.mailboxes++;
      const messages = store.listMessages(user, mailbox.name);
      const folder = dovecotFolderName(mailbox.name);
      const dir = folder ? join(root, folder) : root;
      for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(dir, sub), { recursive: true });
      if (folder) await writeFile(join(dir, 'maildirfolder'), '');
      const keywords: string[] = [];
      const uidlist = [`3 V${mailbox.uidValidity} N${mailbox.uidNext}`];
      for (const m of messages) {
        const base = basename(m.file).replace(/:2,.*$/, '');
        const source = store.messagePath(user, mailbox.name, m.uid);
        if (source === undefined || !await exported(source, join(dir, 'cur', `${base}:2,${infoLetters(m.flags, keywords)}`))) {
          summary.vanished++;
          continue;
        }
        uidlist.push(`${m.uid} :${base}`);
        summary.messages++;
      }
      await writeFile(join(dir, 'dovecot-uidlist'), uidlist.join('\n') + '\n');
      if (keywords.length) await writeFile(join(dir, 'dovecot-keywords'), keywords.map((k, i) => `${i} ${k}\n`).join(''));
    }
  }
  return summary;
}

/** Links (or copies) one message file; false when the store removed it meanwhile (an expunge). */
async function exported(source: string, target: string): Promise<boolean> {
  try {
    await linkReplacing(source, target);
    return true;
  } catch (err) {
    if (errCode(err) !== 'ENOENT') throw err;
    try {
      await access(source);
    } catch {
      return false; // the source is gone: expunged after its mailbox was listed
    }
    throw err;
  }
}

/** The ":2," info letters for a message; new keywords get the next free letter (a, b, …). */
function infoLetters(flags: readonly string[], keywords: string[]): string {
  const letters = flagLetters.filter(([flag]) => flags.includes(flag)).map(([, letter]) => letter);
  for (const flag of flags) {
    if (flag.startsWith('\\')) continue;
    let i = keywords.indexOf(flag);
    if (i < 0 && keywords.length < keywordLettersMax) { keywords.push(flag); i = keywords.length - 1; }
    if (i >= 0) letters.push(String.fromCharCode(0x61 + i));
  }
  return letters.sort().join('');
}
