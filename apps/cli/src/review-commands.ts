/**
 * `tandem review …`: mail held until a reviewer approves it. Rules say which mail is held
 * (`review rule add`); `review list` shows what waits, `review show` the whole message, and
 * `review approve | reject` decide. A decision is recorded with the reviewer's name (`--as`, by
 * default the login name running tandem) in the admin log.
 */
import { userInfo } from 'node:os';
import { Option, type Command } from 'commander';
import { callAdmin } from './admin-client.js';
import type { CommandContext } from './command-context.js';
import { formatTable } from './format-table.js';

interface HeldListing {
  count: number;
  entries: Array<{ queueId: string; rule: string; from: string; to: string[]; sizeBytes: number; arrivalMs: number; subject: string }>;
}
interface Rule { name: string; from?: string; to?: string; direction: string; reviewers: string[] }

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The reviewer recorded with a decision: --as, else who runs tandem (sudo's caller when under sudo). */
function reviewerName(options: { as?: string }): string {
  return options.as ?? process.env.SUDO_USER ?? userInfo().username;
}

export function formatHeld(listing: HeldListing): string {
  if (listing.count === 0) return 'no message is held for review\n';
  const rows = listing.entries.map((e) => [e.queueId, iso(e.arrivalMs), e.rule, e.from === '' ? '<>' : e.from, e.to.join(', '), e.subject]);
  const more = listing.entries.length < listing.count ? ` (the oldest ${listing.entries.length} shown)` : '';
  return `${formatTable(['QUEUE ID', 'ARRIVED', 'RULE', 'FROM', 'TO', 'SUBJECT'], rows)}-- ${listing.count} held${more}\n`;
}

export function registerReviewCommands(program: Command, { target, print }: CommandContext): void {
  const review = program.command('review').description('mail held until a reviewer approves it');
  const rule = review.command('rule').description('which mail is held');
  rule.command('add <name>').description('hold mail that matches every condition given (FROM/TO: an address or @domain)')
    .option('--from <pattern>', 'the envelope sender')
    .option('--to <pattern>', 'any recipient')
    .addOption(new Option('--direction <direction>', 'how it travels').choices(['any', 'inbound', 'outbound', 'internal']).default('any'))
    .option('--reviewer <address>', 'a local user told of each held message (repeat for more)', (v: string, all: string[]) => [...all, v], [] as string[])
    .action(async (name: string, options: { from?: string; to?: string; direction: string; reviewer: string[] }, cmd: Command) => {
      const result = await callAdmin(target(cmd), 'review.rule.add', { name, from: options.from, to: options.to, direction: options.direction, reviewers: options.reviewer });
      print(cmd, result, () => `added review rule ${name}\n`);
    });
  rule.command('list').description('the rules').action(async (_o: unknown, cmd: Command) => {
    const rules = await callAdmin(target(cmd), 'review.rule.list') as Rule[];
    print(cmd, rules, () => formatTable(['NAME', 'FROM', 'TO', 'DIRECTION', 'REVIEWERS'],
      rules.map((r) => [r.name, r.from ?? '*', r.to ?? '*', r.direction, r.reviewers.join(', ') || '-'])));
  });
  rule.command('remove <name>').description('stop holding mail by this rule (what it held stays held)').action(async (name: string, _o: unknown, cmd: Command) => {
    print(cmd, await callAdmin(target(cmd), 'review.rule.remove', { name }), () => `removed review rule ${name}\n`);
  });

  review.command('list').description('held messages, oldest first').action(async (_o: unknown, cmd: Command) => {
    const listing = await callAdmin(target(cmd), 'review.list') as HeldListing;
    print(cmd, listing, () => formatHeld(listing));
  });
  review.command('show <queueId>').description('the held message, whole, as it arrived').action(async (queueId: string, _o: unknown, cmd: Command) => {
    const held = await callAdmin(target(cmd), 'review.show', { queueId }) as { message: string };
    if (cmd.optsWithGlobals<{ json?: boolean }>().json) print(cmd, held, () => '');
    else process.stdout.write(Buffer.from(held.message, 'base64'));
  });
  review.command('approve <queueId>').description('deliver it (and queue it for recipients elsewhere)')
    .option('--as <name>', 'the reviewer recorded (default: your login name)')
    .action(async (queueId: string, options: { as?: string }, cmd: Command) => {
      const result = await callAdmin(target(cmd), 'review.approve', { queueId, reviewer: reviewerName(options) }) as { delivered: number; queued: string[] };
      print(cmd, result, () => `approved ${queueId}: delivered to ${result.delivered} mailbox${result.delivered === 1 ? '' : 'es'}${result.queued.length ? `, queued for ${result.queued.join(', ')}` : ''}\n`);
    });
  review.command('reject <queueId>').description('refuse it; a sender who is a user here is told the reason')
    .option('--reason <text>', 'why (the sender reads it)')
    .option('--as <name>', 'the reviewer recorded (default: your login name)')
    .action(async (queueId: string, options: { reason?: string; as?: string }, cmd: Command) => {
      const result = await callAdmin(target(cmd), 'review.reject', { queueId, reviewer: reviewerName(options), reason: options.reason }) as { senderTold: boolean };
      print(cmd, result, () => `rejected ${queueId}${result.senderTold ? '; the sender was told' : ''}\n`);
    });
}
