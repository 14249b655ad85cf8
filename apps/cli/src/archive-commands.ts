/**
 * `tandem archive …`: the mail archive — every message the server accepts, journaled while it is
 * enabled, searchable, exportable as mbox, kept for the retention unless a legal hold covers it,
 * and verifiable end to end (`verify`: the records' hash chain and every kept message's bytes).
 */
import type { Command } from 'commander';
import { callAdmin, CliError } from './admin-client.js';
import type { CommandContext } from './command-context.js';
import { formatTable } from './format-table.js';

interface Hit { seq: number; timestampMs: number; queueId: string; mailFrom: string; rcptTo: string[]; subject: string; expired: boolean }
interface SearchOptions { from?: string; to?: string; since?: string; until?: string; subject?: string; text?: string }

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** "2026-11-30" or a full ISO time, as ms; a date means its start, in UTC. */
export function parseWhen(value: string, flag: string): number {
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (!Number.isFinite(ms)) throw new CliError(`${flag}: "${value}" is not a date (2026-11-30) or a time (2026-11-30T08:00:00Z)`);
  return ms;
}

function queryArgs(o: SearchOptions): Record<string, unknown> {
  return {
    from: o.from, to: o.to, subject: o.subject, text: o.text,
    ...(o.since !== undefined ? { sinceMs: parseWhen(o.since, '--since') } : {}),
    ...(o.until !== undefined ? { untilMs: parseWhen(o.until, '--until') } : {}),
  };
}

function searchOptions(command: Command): Command {
  return command
    .option('--from <text>', 'the envelope sender or From header contains this (@domain for a domain)')
    .option('--to <address>', 'a recipient: an address or @domain')
    .option('--since <date>', 'on or after (2026-11-01, or an ISO time; UTC)')
    .option('--until <date>', 'before')
    .option('--subject <text>', 'the Subject contains this')
    .option('--text <text>', 'the message contains this (reads every candidate: slow on a big archive)');
}

export function registerArchiveCommands(program: Command, { target, print }: CommandContext): void {
  const archive = program.command('archive').description('the mail archive: every accepted message, journaled, searchable, under retention and legal hold');
  archive.command('status').description('on or off, retention, records, holds').action(async (_o: unknown, cmd: Command) => {
    const s = await callAdmin(target(cmd), 'archive.status') as { config: { enabled: boolean; retentionDays?: number }; records: number; expired: number; holds: number };
    print(cmd, s, () => `archive ${s.config.enabled ? 'on' : 'off'}, retention ${s.config.retentionDays === undefined ? 'forever' : `${s.config.retentionDays} days`}; ${s.records} records (${s.expired} expired); ${s.holds} legal hold${s.holds === 1 ? '' : 's'}\n`);
  });
  archive.command('enable').description('journal every message accepted from now on')
    .option('--retention-days <n>', 'keep messages this many days (default: forever)')
    .action(async (o: { retentionDays?: string }, cmd: Command) => {
      const retentionDays = o.retentionDays === undefined ? undefined : Number(o.retentionDays);
      if (retentionDays !== undefined && !(Number.isInteger(retentionDays) && retentionDays >= 1)) throw new CliError(`--retention-days: "${o.retentionDays}" is not a whole number of days`);
      print(cmd, await callAdmin(target(cmd), 'archive.enable', { retentionDays }), () => `archive on${retentionDays ? `, messages kept ${retentionDays} days` : ', messages kept forever'}\n`);
    });
  archive.command('disable').description('stop journaling (what is journaled stays, under its retention)').action(async (_o: unknown, cmd: Command) => {
    print(cmd, await callAdmin(target(cmd), 'archive.disable'), () => 'archive off; journaled messages are kept\n');
  });
  searchOptions(archive.command('search').description('journaled messages matching every condition given, oldest first'))
    .action(async (o: SearchOptions, cmd: Command) => {
      const result = await callAdmin(target(cmd), 'archive.search', queryArgs(o)) as { count: number; hits: Hit[] };
      print(cmd, result, () => `${formatTable(['SEQ', 'TIME', 'QUEUE ID', 'FROM', 'TO', 'SUBJECT'],
        result.hits.map((h) => [String(h.seq), iso(h.timestampMs), h.queueId, h.mailFrom || '<>', h.rcptTo.join(', '), `${h.subject}${h.expired ? ' (expired)' : ''}`]))}-- ${result.count} match${result.count === 1 ? '' : 'es'}${result.hits.length < result.count ? ` (the first ${result.hits.length} shown)` : ''}\n`);
    });
  searchOptions(archive.command('export').description('matching messages into one mbox file under <data dir>/exports/'))
    .action(async (o: SearchOptions, cmd: Command) => {
      const done = await callAdmin(target(cmd), 'archive.export', queryArgs(o)) as { path: string; messages: number; bytes: number; expiredSkipped: number };
      print(cmd, done, () => `${done.path}: ${done.messages} message${done.messages === 1 ? '' : 's'}, ${done.bytes} bytes${done.expiredSkipped ? ` (${done.expiredSkipped} expired left out)` : ''}\n`);
    });
  archive.command('verify').description('check the journal: the hash chain of its records and every kept message\'s bytes').action(async (_o: unknown, cmd: Command) => {
    const r = await callAdmin(target(cmd), 'archive.verify') as { ok: boolean; records: number; expired: number; bytes: number; problems: Array<{ seq: number; problem: string }> };
    print(cmd, r, () => r.ok
      ? `ok: ${r.records} records (${r.expired} expired), ${r.bytes} bytes of messages checked\n`
      : `NOT OK: ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'} in ${r.records} records\n${r.problems.map((p) => `  record ${p.seq}: ${p.problem}`).join('\n')}\n`);
    if (!r.ok) process.exitCode = 1;
  });
  const hold = archive.command('hold').description('legal holds: mail from or to a custodian is never expired while held');
  hold.command('add <name> <custodian>').description('hold everything from or to CUSTODIAN (an address or @domain)')
    .option('--reason <text>', 'why (kept with the hold)')
    .action(async (name: string, custodian: string, o: { reason?: string }, cmd: Command) => {
      print(cmd, await callAdmin(target(cmd), 'archive.hold.add', { name, custodian, reason: o.reason }), () => `legal hold ${name} on ${custodian}\n`);
    });
  hold.command('list').description('the holds').action(async (_o: unknown, cmd: Command) => {
    const holds = await callAdmin(target(cmd), 'archive.hold.list') as Array<{ name: string; custodian: string; reason: string; createdMs: number }>;
    print(cmd, holds, () => formatTable(['NAME', 'CUSTODIAN', 'SINCE', 'REASON'], holds.map((h) => [h.name, h.custodian, iso(h.createdMs), h.reason])));
  });
  hold.command('remove <name>').description('release a hold (its mail then expires on the retention)').action(async (name: string, _o: unknown, cmd: Command) => {
    print(cmd, await callAdmin(target(cmd), 'archive.hold.remove', { name }), () => `legal hold ${name} released\n`);
  });
}
