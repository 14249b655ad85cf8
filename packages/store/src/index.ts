export type * from './command.js';
export type * from './apply-result.js';
export type { CommandLog } from './command-log.js';
export type * from './store-reader.js';
export { NotLeaderError, OutcomeUnknownError, LogClosedError } from './errors.js';
export { MailStore } from './mail-store.js';
export type { MailStoreOptions } from './mail-store.js';
export { LocalCommandLog } from './local-command-log.js';
export type { LocalCommandLogOptions, CommandLogStats } from './local-command-log.js';
export { encodeCommand, decodeCommand } from './command-codec.js';
export { hashPassword, verifyPassword } from './password-hash.js';
export { validateMailboxName, tryMailboxName, isInbox, INBOX, hierarchyDelimiter } from './mailbox-name.js';
export { maildirFolderName, mailboxNameFromFolder } from './maildir-folder.js';
export { parseAddress, parseDomain, canonicalAddress, parseLocalAddress, parseAliasSource } from './address.js';
export type { ParsedAddress } from './address.js';
export { normaliseFlags, systemFlags, InvalidFlagError } from './message-flags.js';
export { specialUseAttributes } from './apply-mailbox.js';
export { defaultMailboxes } from './apply-account.js';
export { ProposalQueueFullError } from './errors.js';
export {
  InvalidMailboxNameError, InvalidAddressError, CommandCodecError, CommandLogCorruptError, MessageNotFoundError, StoreFailedError,
} from './store-errors.js';
export { checkStoreFiles } from './check-store-files.js';
export type { StoreFilesReport } from './check-store-files.js';
export { exportMaildir } from './export-maildir.js';
export type { ExportSummary } from './export-maildir.js';
