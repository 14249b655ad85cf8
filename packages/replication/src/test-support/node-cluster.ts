// Test support: RaftNode members on loopback with in-thread engines, each behind a DiskGate that can
// slow, stall or fail its log fsyncs (EngineSeams), and a list state machine that records every value.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@tandem/testkit';
import { checkRecord } from '../log-record.js';
import { RaftNode, type RaftNodeOptions, type StateMachine } from '../raft-node.js';

const host = '127.0.0.1';
const secret = Buffer.from('node-cluster test secret 0123456789');

/** A list of strings: apply appends the entry's text and returns its log index. */
export class ListMachine implements StateMachine<number> {
  readonly items: string[] = [];
  apply(entry: { index: number; data: Uint8Array }): number {
    this.items.push(Buffer.from(entry.data).toString());
    return entry.index;
  }
}

/** The log disk of one member as the test sees it: fsyncs can be delayed, held, or made to fail. */
export class DiskGate {
  delayMs = 0;
  /**
   * The last log index in the segment as each fsync was let through (the fsync itself follows at
   * once, and the member acknowledges only after it): an upper bound of what it has acknowledged.
   */
  syncedThrough = 0;
  private holding = false;
  private readonly held: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  /** Every fatal storage error the engine reported (instead of ending the process). */
  readonly fatals: Error[] = [];

  /** From now on, fsyncs wait until release() or fail(). */
  hold(): void {
    this.holding = true;
  }

  get heldCount(): number {
    return this.held.length;
  }

  release(): void {
    this.holding = false;
    for (const h of this.held.splice(0)) h.resolve();
  }

  /** The held fsyncs fail (EIO): a fatal storage error, as when the disk dies under the member. */
  fail(error: Error): void {
    this.holding = false;
    for (const h of this.held.splice(0)) h.reject(error);
  }

  readonly beforeSync = async (path: string): Promise<void> => {
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.holding) await new Promise<void>((resolve, reject) => this.held.push({ resolve, reject }));
    this.syncedThrough = Math.max(this.syncedThrough, lastIndexIn(path));
  };
}

export interface TestMember {
  id: string;
  port: number;
  witness: boolean;
  gate: DiskGate;
  machine: ListMachine | undefined;
  node: RaftNode<number> | undefined;
  /** Errors the node reported through onFatal. */
  failures: Error[];
}

export class NodeCluster {
  readonly members: TestMember[] = [];
  private constructor(readonly dir: string, private readonly extra: Partial<RaftNodeOptions<number>>, readonly witnesses: string[]) {}

  static async start(ids: string[], extra: Partial<RaftNodeOptions<number>> = {}, witnesses: string[] = []): Promise<NodeCluster> {
    const c = new NodeCluster(mkdtempSync(join(tmpdir(), 'tandem-nodes-')), extra, witnesses);
    for (const id of ids) {
      c.members.push({ id, port: await freePort(), witness: witnesses.includes(id), gate: new DiskGate(), machine: undefined, node: undefined, failures: [] });
    }
    await Promise.all(ids.map((id) => c.startMember(id)));
    return c;
  }

  member(id: string): TestMember {
    const m = this.members.find((x) => x.id === id);
    if (m === undefined) throw new Error(`no member ${id}`);
    return m;
  }

  async startMember(id: string, extra: Partial<RaftNodeOptions<number>> = {}): Promise<TestMember> {
    const m = this.member(id);
    m.machine = m.witness ? undefined : new ListMachine();
    const peers = Object.fromEntries(this.members.filter((x) => x.id !== id).map((x) => [x.id, [{ host, port: x.port }]]));
    m.node = await RaftNode.start<number>({
      id, dataDir: join(this.dir, id), listen: { host, port: m.port }, peers, secret, witnesses: this.witnesses, witness: m.witness,
      ...(m.machine === undefined ? {} : { stateMachine: m.machine }),
      inThread: true,
      engineSeams: { logBeforeSync: m.gate.beforeSync, onStorageFatal: (e) => m.gate.fatals.push(e) },
      onFatal: (e) => m.failures.push(e),
      ...this.extra, ...extra,
    });
    return m;
  }

  async stopMember(id: string): Promise<void> {
    const m = this.member(id);
    await m.node?.close();
    m.node = undefined;
  }

  running(): TestMember[] {
    return this.members.filter((m) => m.node !== undefined);
  }

  /** The one member that leads, once every running member agrees on the term (and `accept` holds). */
  async leader(timeoutMs = 10_000, accept: (m: TestMember) => boolean = () => true): Promise<TestMember> {
    let found: TestMember | undefined;
    await waitFor(() => {
      const leaders = this.running().filter((m) => m.node!.status().role === 'leader');
      const terms = new Set(this.running().map((m) => m.node!.status().term));
      found = leaders.length === 1 && terms.size === 1 && accept(leaders[0]!) ? leaders[0] : undefined;
      return found !== undefined;
    }, 'a single leader', timeoutMs);
    return found!;
  }

  /**
   * The highest index durably written in a member's log files, read straight from its segments
   * (checksummed records only), independent of what the member reports about itself.
   */
  loggedLastIndex(id: string): number {
    const dir = join(this.dir, id, 'log');
    let last = 0;
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.log')).sort()) last = Math.max(last, lastIndexIn(join(dir, name)));
    return last;
  }

  async close(): Promise<void> {
    for (const m of this.members) m.gate.release();
    await Promise.all(this.running().map((m) => m.node!.close()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The index of the last checksummed record in one log segment file (0 if none). */
function lastIndexIn(path: string): number {
  const buf = readFileSync(path);
  let last = 0;
  for (let offset = 0; offset < buf.length;) {
    const check = checkRecord(buf, offset, 128 * 1024 * 1024);
    if (!check.ok) break;
    last = check.record.index;
    offset += check.sizeBytes;
  }
  return last;
}

/** Polls a condition (every 5 ms) until it holds; fails after timeoutMs. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

