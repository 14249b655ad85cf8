import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { RaftNode } from './raft-node.js';
import type { PeerAddress } from './peer-link.js';
import { linkProtections, type LinkProtection } from './secure-connection.js';

/**
 * A cluster member as its own process, for the real-process tests (acceptance 4) and the bench:
 * a RaftNode with the file log store and the TCP transport, and an in-memory state machine that
 * records every applied value. It talks to its parent over the IPC channel (child_process.fork):
 *
 *   parent -> child  { op: 'propose', rid, value }   (value: string, or bytes as base64 with `bytes: true`)
 *                    { op: 'applied', rid }           -> the values applied so far, in order
 *                    { op: 'close', rid }
 *                    { op: 'cpu', rid }               -> process.cpuUsage() of all threads, µs
 *                    { op: 'bench', rid, bench: { sizeBytes, count, window } } -> BenchResult
 *   child -> parent  { rid, ok: true, result } | { rid, ok: false, error: <error class name>, leaderHint? }
 *                    { event: 'status', id, role, term, leader, commitIndex } on every change of role/term/leader
 *
 * Usage: member-process.ts --id a --dir /data/a --listen 127.0.0.1:7001 --peer b=127.0.0.1:7002[,10.0.0.2:7002]
 *        --peer c=... --secret-hex <hex> [--witness w] [--as-witness] [--link-protection encrypt|authenticate]
 */
export interface MemberRequest {
  op: 'propose' | 'applied' | 'close' | 'bench' | 'cpu';
  rid: number;
  value?: string;
  /** `value` is base64 bytes: the state machine records only their length (bench payloads). */
  bytes?: boolean;
  /** bench: proposals made inside this process (as SMTP sessions would), `window` in flight at a time. */
  bench?: { sizeBytes: number; count: number; window: number };
}

export interface BenchResult {
  entries: number;
  failures: number;
  elapsedMs: number;
  /** Commit latency of each proposal (propose() to its resolution), sorted ascending. */
  latenciesMs: number[];
}

export type MemberReply =
  | { rid: number; ok: true; result: unknown }
  | { rid: number; ok: false; error: string; leaderHint?: string | null };

export interface MemberStatusEvent {
  event: 'status';
  id: string;
  role: string;
  term: number;
  leader: string | null;
  commitIndex: number;
}

function parseAddress(text: string): PeerAddress {
  const at = text.lastIndexOf(':');
  const port = Number(text.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port)) throw new RangeError(`bad address ${text}`);
  return { host: text.slice(0, at), port };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      id: { type: 'string' }, dir: { type: 'string' }, listen: { type: 'string' }, 'secret-hex': { type: 'string' },
      peer: { type: 'string', multiple: true }, witness: { type: 'string', multiple: true }, 'as-witness': { type: 'boolean' },
      'election-timeout-ms': { type: 'string' }, 'link-protection': { type: 'string', default: 'encrypt' },
    },
  });
  const id = values.id;
  const dir = values.dir;
  if (id === undefined || dir === undefined || values.listen === undefined || values['secret-hex'] === undefined) {
    throw new RangeError('member-process: --id, --dir, --listen and --secret-hex are required');
  }
  const linkProtection = values['link-protection'] as LinkProtection;
  if (!linkProtections.includes(linkProtection)) {
    throw new RangeError(`member-process: --link-protection must be one of ${linkProtections.join(', ')}, got ${values['link-protection']}`);
  }
  const peers: Record<string, PeerAddress[]> = {};
  for (const p of values.peer ?? []) {
    const [peerId, list] = p.split('=');
    if (peerId === undefined || list === undefined) throw new RangeError(`bad --peer ${p}`);
    peers[peerId] = list.split(',').map(parseAddress);
  }
  const applied: string[] = [];
  const node = await RaftNode.start<number>({
    id, dataDir: dir, listen: parseAddress(values.listen), peers, secret: Buffer.from(values['secret-hex'], 'hex'), linkProtection,
    witnesses: values.witness ?? [], witness: values['as-witness'] === true,
    electionTimeoutMs: Number(values['election-timeout-ms'] ?? 500),
    stateMachine: {
      apply: (entry) => {
        applied.push(entry.data.byteLength > 64 ? `bytes:${entry.data.byteLength}` : Buffer.from(entry.data).toString());
        return entry.index;
      },
    },
  });
  const send = (m: MemberReply | MemberStatusEvent): void => {
    process.send?.(m);
  };
  let last = '';
  const report = (): void => {
    const s = node.status();
    const key = `${s.role}|${s.term}|${s.leader}`;
    if (key === last) return;
    last = key;
    send({ event: 'status', id, role: s.role, term: s.term, leader: s.leader, commitIndex: s.commitIndex });
  };
  node.onStatus(report);
  report();
  process.on('message', (m: MemberRequest) => {
    if (m.op === 'propose') {
      const data = m.bytes === true ? Buffer.from(m.value ?? '', 'base64') : Buffer.from(m.value ?? '');
      node.propose(data).then(
        (result) => send({ rid: m.rid, ok: true, result }),
        (e: Error & { leaderHint?: string | null }) => send({ rid: m.rid, ok: false, error: e.name, leaderHint: e.leaderHint ?? null }),
      );
    } else if (m.op === 'bench' && m.bench !== undefined) {
      runBench(node, m.bench).then((result) => send({ rid: m.rid, ok: true, result }));
    } else if (m.op === 'cpu') {
      send({ rid: m.rid, ok: true, result: process.cpuUsage() });
    } else if (m.op === 'applied') {
      send({ rid: m.rid, ok: true, result: applied });
    } else {
      void node.close().then(() => {
        send({ rid: m.rid, ok: true, result: null });
        process.disconnect?.();
      });
    }
  });
}

/** Pipelined proposals of random payloads, `window` outstanding; latency from propose() to its resolution. */
function runBench(node: RaftNode<number>, b: { sizeBytes: number; count: number; window: number }): Promise<BenchResult> {
  const payloads = Array.from({ length: 16 }, () => randomBytes(b.sizeBytes));
  const latencies: number[] = [];
  let started = 0;
  let settled = 0;
  let failures = 0;
  const t0 = performance.now();
  return new Promise((resolve) => {
    const launch = (): void => {
      while (started < b.count && started - settled < b.window) {
        const t = performance.now();
        const data = payloads[started % payloads.length]!;
        started++;
        const finish = (ok: boolean): void => {
          settled++;
          if (ok) latencies.push(performance.now() - t);
          else failures++;
          if (settled === b.count) {
            resolve({ entries: latencies.length, failures, elapsedMs: performance.now() - t0, latenciesMs: latencies.sort((x, y) => x - y) });
          } else {
            launch();
          }
        };
        node.propose(data).then(() => finish(true), () => finish(false));
      }
    };
    launch();
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`member-process: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
