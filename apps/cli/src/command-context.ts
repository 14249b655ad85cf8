import type { Command } from 'commander';
import type { AdminTarget } from './admin-client.js';

/** What every group of subcommands gets from tandem-program.ts: where tandemd is, and how to print (--json or for people). */
export interface CommandContext {
  target(command: Command): AdminTarget;
  print(command: Command, result: unknown, human: () => string): void;
}
