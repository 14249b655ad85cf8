export type * from './command.js';
export type * from './apply-result.js';
export type { CommandLog } from './command-log.js';
export type * from './store-reader.js';
export { NotLeaderError, OutcomeUnknownError, LogClosedError } from './errors.js';
