export { searchArchive, decodedHeader } from './archive-search.js';
export type { ArchiveQuery, ArchiveHit } from './archive-search.js';
export { verifyArchive } from './archive-verify.js';
export type { VerifyReport } from './archive-verify.js';
export { asctime, mboxEntry, writeMbox } from './mbox.js';
