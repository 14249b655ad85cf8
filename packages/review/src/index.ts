export { matchingRule } from './match-rule.js';
export type { Direction, ReviewedTransaction } from './match-rule.js';
export { heldNotice } from './held-notice.js';
export type { HeldNoticeInput } from './held-notice.js';
