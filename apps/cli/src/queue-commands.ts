/**
 * `tandem queue list | retry [ID] | delete ID`: the outbound queue (packages/smtp/src/outbound/),
 * as Postfix's mailq / postqueue -f / postsuper -d give it. The queue is replicated state, so any
 * member answers `list`; `retry` and `delete` are writes and go to the leader.
 */
import type { Command } from 'commander';
import { callAdmin } from './admin-client.js';
import type { CommandContext } from './command-context.js';

interface QueueListing {
  count: number;
  entries: Array<{
    queueId: string; from: string; sizeBytes: number; arrivalMs: number; nextAttemptMs: number; attempts: number;
    recipients: Array<{ address: string; state: 'pending' | 'delivered' | 'failed'; attempts: number; reply: string | null }>;
  }>;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** mailq's shape: one block per message, its pending recipients indented with their last reply. */
export function formatQueue(listing: QueueListing): string {
  if (listing.count === 0) return 'the outbound queue is empty\n';
  const lines: string[] = [];
  for (const e of listing.entries) {
    lines.push(`${e.queueId}  ${e.sizeBytes} B  arrived ${iso(e.arrivalMs)}  from ${e.from === '' ? '<> (a bounce)' : e.from}`);
    lines.push(`  ${e.attempts} attempt${e.attempts === 1 ? '' : 's'}, next ${iso(e.nextAttemptMs)}`);
    for (const r of e.recipients) {
      if (r.state !== 'pending') continue;
      lines.push(`  ${r.address}${r.reply === null ? '' : `  (${r.reply})`}`);
    }
  }
  const shown = listing.entries.length < listing.count ? ` (the oldest ${listing.entries.length} shown)` : '';
  lines.push(`-- ${listing.count} message${listing.count === 1 ? '' : 's'} in the outbound queue${shown}`);
  return `${lines.join('\n')}\n`;
}

export function registerQueueCommands(program: Command, { target, print }: CommandContext): void {
  const queue = program.command('queue').description('the outbound queue: mail waiting for other domains');
  queue.command('list').description('messages waiting, with each pending recipient and the last reply (as mailq)')
    .action(async (_o: unknown, cmd: Command) => {
      const listing = await callAdmin(target(cmd), 'queue.list') as QueueListing;
      print(cmd, listing, () => formatQueue(listing));
    });
  queue.command('retry [queueId]').description('try now: one message, or every message (as postqueue -f)')
    .action(async (queueId: string | undefined, _o: unknown, cmd: Command) => {
      const result = await callAdmin(target(cmd), 'queue.retry', queueId === undefined ? {} : { queueId }) as { count: number };
      print(cmd, result, () => `${result.count} message${result.count === 1 ? '' : 's'} due now\n`);
    });
  queue.command('delete <queueId>').description('drop a message from the queue; nobody is told (as postsuper -d)')
    .action(async (queueId: string, _o: unknown, cmd: Command) => {
      print(cmd, await callAdmin(target(cmd), 'queue.remove', { queueId }), () => `deleted ${queueId} from the outbound queue\n`);
    });
}
