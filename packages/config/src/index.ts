export { limits } from './limits.js';
export type { Limits } from './limits.js';
