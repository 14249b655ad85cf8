/**
 * Maildir++ folder names (the layout Courier and Dovecot use): INBOX is the user's Maildir root;
 * every other mailbox is one directory directly under the root, named "." followed by the
 * mailbox's hierarchy levels joined with ".". So "Work/2026" is ".Work.2026".
 *
 * A "." inside a level would read as a hierarchy delimiter, so each level is escaped reversibly:
 *   "%"  → "%25"   (the escape character itself)
 *   "."  → "%2E"
 * Everything else is kept as UTF-8 ("/" cannot occur inside a level; control characters, "*"
 * and "%"-wildcards never reach here because mailbox-name.ts rejects them, but "%" is still
 * escaped so the mapping stays reversible for any input). Example: "v1.2/notes" → ".v1%2E2.notes".
 * A name is validated first (mailbox-name.ts), so the result never contains "/" and is never "."
 * or "..": it can only name a directory directly under the user's root.
 */

/** The folder directory for a validated mailbox name ("" for INBOX: the root itself). */
export function maildirFolderName(mailbox: string): string {
  if (mailbox === 'INBOX') return '';
  return '.' + mailbox.split('/').map(escapeLevel).join('.');
}

/**
 * The folder name as Dovecot's listescape plugin writes it (escape character "%", lower-case hex:
 * "v1.2" → ".v1%2e2"), for exports (export-maildir.ts). Dovecot decodes either case when it lists
 * folders, but finds a mailbox by the name it encodes itself. Only the "." escape has letters in it,
 * and every "%" in maildirFolderName's output starts an escape, so the replacement is exact.
 */
export function dovecotFolderName(mailbox: string): string {
  return maildirFolderName(mailbox).replace(/%2E/g, '%2e');
}

/** The inverse of maildirFolderName ("" → "INBOX"); throws on a string it could not have made. */
export function mailboxNameFromFolder(folder: string): string {
  if (folder === '') return 'INBOX';
  if (!folder.startsWith('.') || folder.length < 2) throw new Error(`not a Maildir++ folder: ${JSON.stringify(folder)}`);
  return folder.slice(1).split('.').map(unescapeLevel).join('/');
}

function escapeLevel(level: string): string {
  return level.replace(/[%.]/g, (c) => (c === '%' ? '%25' : '%2E'));
}

function unescapeLevel(level: string): string {
  if (level.length === 0) throw new Error('empty folder level');
  return level.replace(/%(25|2E)|%/g, (match, code: string | undefined) => {
    if (code === '25') return '%';
    if (code === '2E') return '.';
    throw new Error(`bad escape in folder level ${JSON.stringify(level)}`);
  });
}
