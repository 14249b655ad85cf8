/**
 * The IMAP bench's workloads (issue 4, acceptance 5), each driven by imapflow against one server.
 * A workload has an untimed `prepare` (puts the server back in the state the timed part expects),
 * a timed `run` that checks its answer, and where the answer alone proves little an untimed
 * `verify` of the server's state, so a fast wrong server cannot win a line.
 *
 * Every choice is drawn from a SeededRandom seeded with the round, so both servers get exactly the
 * same commands in the same round.
 */
import { ImapFlow } from 'imapflow';
import type { FetchMessageObject } from 'imapflow';
import { SeededRandom } from '../../test/support/seeded-random.js';
import type { GeneratedMessage } from '../../test/support/mailbox-generator.js';
import { searchWord } from '../../test/support/mailbox-generator.js';

export interface ImapTarget {
  name: string;
  port: number;
  user: string;
  password: string;
}

export interface WorkloadContext {
  target: ImapTarget;
  /** A logged-in client with INBOX selected. */
  client: ImapFlow;
  /** parallelSessions more of them, for the parallel workload. */
  sessions: readonly ImapFlow[];
  /** Latency of each operation of the parallel mix, by operation name (filled by the mix). */
  mixLatenciesMs: Map<string, number[]>;
  messages: readonly GeneratedMessage[];
  round: number;
}

export interface Workload {
  name: string;
  prepare?(ctx: WorkloadContext): Promise<void>;
  run(ctx: WorkloadContext): Promise<void>;
  verify?(ctx: WorkloadContext): Promise<void>;
}

export class WorkloadCheckError extends Error {
  constructor(target: string, workload: string, detail: string) { super(`${target}: ${workload}: ${detail}`); }
}

export const parallelSessions = 10;
export const parallelOpsPerSession = 100;
export const bodyFetches = 500;

export async function openClient(target: ImapTarget): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: '127.0.0.1', port: target.port, secure: false, doSTARTTLS: false,
    auth: { user: target.user, pass: target.password }, logger: false, disableAutoIdle: true,
  });
  await client.connect();
  await client.mailboxOpen('INBOX');
  return client;
}

/** Sequence numbers as a compact set ("1:3,7,9:10"); `numbers` ascending. */
export function sequenceSet(numbers: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < numbers.length;) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === numbers[j]! + 1) j++;
    parts.push(i === j ? String(numbers[i]) : `${numbers[i]}:${numbers[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

function check(ctx: WorkloadContext, workload: string, ok: boolean, detail: () => string): void {
  if (!ok) throw new WorkloadCheckError(ctx.target.name, workload, detail());
}

const select: Workload = {
  name: 'SELECT INBOX',
  async prepare({ client }) { await client.mailboxClose(); },
  async run(ctx) {
    const box = await ctx.client.mailboxOpen('INBOX');
    check(ctx, this.name, box.exists === ctx.messages.length, () => `EXISTS ${box.exists}`);
  },
};

const fetchEnvelopes: Workload = {
  name: 'FETCH 1:* (FLAGS UID ENVELOPE)',
  async run(ctx) {
    const all = await ctx.client.fetchAll('1:*', { flags: true, uid: true, envelope: true });
    check(ctx, this.name, all.length === ctx.messages.length, () => `${all.length} messages`);
    const last = all[all.length - 1]!;
    check(ctx, this.name, `<${last.envelope?.messageId?.replace(/^<|>$/g, '')}>` === ctx.messages[ctx.messages.length - 1]!.messageId,
      () => `last Message-ID ${last.envelope?.messageId}`);
  },
};

const fetchBodies: Workload = {
  name: `${bodyFetches} × FETCH BODY.PEEK[]`,
  async run(ctx) {
    const random = new SeededRandom(1000 + ctx.round);
    for (let i = 0; i < bodyFetches; i++) {
      const seq = random.int(1, ctx.messages.length);
      const message = await ctx.client.fetchOne(String(seq), { source: true });
      const expected = ctx.messages[seq - 1]!.bytes;
      check(ctx, this.name, message !== false && message.source !== undefined && message.source.equals(expected),
        () => `message ${seq}: ${message ? message.source?.length : 'missing'} bytes, expected ${expected.length}`);
    }
  },
};

const searchText: Workload = {
  name: `UID SEARCH TEXT "${searchWord}"`,
  async run(ctx) {
    const found = await ctx.client.search({ text: searchWord }, { uid: true });
    const expected = ctx.messages.filter((m) => m.hasSearchWord).length;
    check(ctx, this.name, Array.isArray(found) && found.length === expected, () => `${Array.isArray(found) ? found.length : found} hits, expected ${expected}`);
  },
};

/** Timed: +FLAGS (\Seen) on every message. Untimed before it: the unseen ones are unseen again. */
const storeSeen: Workload = {
  name: 'STORE 1:* +FLAGS (\\Seen)',
  async prepare(ctx) {
    const unseen = ctx.messages.flatMap((m, i) => (m.flags.includes('\\Seen') ? [] : [i + 1]));
    if (unseen.length > 0) await ctx.client.messageFlagsRemove(sequenceSet(unseen), ['\\Seen'], { silent: true });
  },
  async run(ctx) {
    const ok = await ctx.client.messageFlagsAdd('1:*', ['\\Seen']);
    check(ctx, this.name, ok, () => 'STORE failed');
  },
  async verify(ctx) {
    const unseen = await ctx.client.search({ seen: false }, { uid: true });
    check(ctx, this.name, Array.isArray(unseen) && unseen.length === 0, () => `still unseen: ${Array.isArray(unseen) ? unseen.length : unseen}`);
  },
};

/**
 * Ten sessions (opened and selected before the clock starts) each run a seeded mix of what a
 * desktop client does on an open mailbox, one command at a time.
 */
const parallelMix: Workload = {
  name: `${parallelSessions} sessions × ${parallelOpsPerSession} mixed ops`,
  // The flag changes of the STORE workload reach the sessions as untagged FETCHes on their next
  // command (RFC 9051 §7.5.2); a NOOP takes them before the clock starts.
  async prepare(ctx) { await Promise.all(ctx.sessions.map((c) => c.noop())); },
  async run(ctx) {
    await Promise.all(ctx.sessions.map((client, s) => mixedOps(ctx, client, new SeededRandom(ctx.round * 100 + s))));
  },
};

interface MixOperation {
  name: string;
  /** Share of the mix; the weights add up to 1. */
  weight: number;
  run(ctx: WorkloadContext, client: ImapFlow, random: SeededRandom, seq: number): Promise<void>;
}

const mixOperations: readonly MixOperation[] = [
  {
    name: 'FETCH n BODY.PEEK[]', weight: 0.3,
    async run(ctx, client, _random, seq) {
      const m = await client.fetchOne(String(seq), { source: true });
      check(ctx, this.name, m !== false && m.source?.length === ctx.messages[seq - 1]!.bytes.length, () => `message ${seq}`);
    },
  },
  {
    name: 'FETCH n:n+19 (FLAGS UID ENVELOPE)', weight: 0.2,
    async run(ctx, client, _random, seq) {
      const from = Math.min(seq, ctx.messages.length - 19);
      const batch = inRange(await client.fetchAll(`${from}:${from + 19}`, { flags: true, uid: true, envelope: true }), from, from + 19);
      check(ctx, this.name, batch.length === 20 && batch.every((m) => m.envelope !== undefined), () => `${batch.length} of 20`);
    },
  },
  {
    name: 'FETCH n:n+9 (BODYSTRUCTURE RFC822.SIZE)', weight: 0.1,
    async run(ctx, client, _random, seq) {
      const from = Math.min(seq, ctx.messages.length - 9);
      const batch = inRange(await client.fetchAll(`${from}:${from + 9}`, { bodyStructure: true, size: true }), from, from + 9);
      check(ctx, this.name, batch.length === 10 && batch.every((m) => m.size === ctx.messages[m.seq - 1]!.bytes.length), () => `${batch.length} of 10`);
    },
  },
  {
    name: 'STORE n ±FLAGS (\\Flagged)', weight: 0.15,
    async run(ctx, client, random, seq) {
      const ok = random.next() < 0.5
        ? await client.messageFlagsAdd(String(seq), ['\\Flagged'])
        : await client.messageFlagsRemove(String(seq), ['\\Flagged']);
      check(ctx, this.name, ok, () => `message ${seq}`);
    },
  },
  {
    name: 'UID SEARCH UNSEEN', weight: 0.1,
    async run(ctx, client) {
      const found = await client.search({ seen: false }, { uid: true });
      check(ctx, this.name, Array.isArray(found), () => 'no result');
    },
  },
  {
    name: 'UID SEARCH SUBJECT "…"', weight: 0.05,
    async run(ctx, client, random) {
      const found = await client.search({ subject: `Invoice ${random.int(1, 400)}` }, { uid: true });
      check(ctx, this.name, Array.isArray(found), () => 'no result');
    },
  },
  {
    name: 'NOOP', weight: 0.1,
    async run(_ctx, client) { await client.noop(); },
  },
];

async function mixedOps(ctx: WorkloadContext, client: ImapFlow, random: SeededRandom): Promise<void> {
  for (let op = 0; op < parallelOpsPerSession; op++) {
    let roll = random.next();
    const seq = random.int(1, ctx.messages.length);
    const operation = mixOperations.find((o) => (roll -= o.weight) < 0) ?? mixOperations[mixOperations.length - 1]!;
    const start = performance.now();
    await operation.run(ctx, client, random, seq);
    const times = ctx.mixLatenciesMs.get(operation.name) ?? [];
    times.push(performance.now() - start);
    ctx.mixLatenciesMs.set(operation.name, times);
  }
}

/**
 * The messages a FETCH asked for: another session's flag changes can arrive as untagged FETCHes
 * during the command (RFC 9051 §7.4.1), and imapflow hands those back too.
 */
function inRange(batch: FetchMessageObject[], from: number, to: number): FetchMessageObject[] {
  return batch.filter((m) => m.seq >= from && m.seq <= to && (m.envelope !== undefined || m.bodyStructure !== undefined));
}

export const workloads: readonly Workload[] = [select, fetchEnvelopes, fetchBodies, searchText, storeSeen, parallelMix];
