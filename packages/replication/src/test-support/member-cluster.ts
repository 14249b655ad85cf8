import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@tandem/testkit';
import type { MemberReply, MemberRequest, MemberStatusEvent } from '../member-process.js';
import type { LinkProtection } from '../secure-connection.js';

/**
 * Several member-process.ts children on loopback, driven over IPC: for the real-process test
 * (acceptance 4) and bench/raft.ts. Each member gets a free port and its own data directory
 * under one temp dir; close() kills what is left and removes the directory.
 */
export class MemberFailedError extends Error {
  override readonly name = 'MemberFailedError';
  constructor(readonly errorName: string, readonly leaderHint: string | null) {
    super(`member refused: ${errorName}${leaderHint ? ` (leader ${leaderHint})` : ''}`);
  }
}

export class MemberHandle {
  latest: MemberStatusEvent | undefined;
  alive = true;
  private rid = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Set<(s: MemberStatusEvent) => void>();

  constructor(readonly id: string, readonly port: number, readonly child: ChildProcess) {
    child.on('message', (m: MemberReply | MemberStatusEvent) => {
      if ('event' in m) {
        this.latest = m;
        for (const l of this.listeners) l(m);
        return;
      }
      const p = this.pending.get(m.rid);
      if (p === undefined) return;
      this.pending.delete(m.rid);
      if (m.ok) p.resolve(m.result);
      else p.reject(new MemberFailedError(m.error, m.leaderHint ?? null));
    });
    child.on('exit', () => {
      this.alive = false;
      for (const p of this.pending.values()) p.reject(new MemberFailedError('MemberExited', null));
      this.pending.clear();
    });
  }

  request(m: Omit<MemberRequest, 'rid'>): Promise<unknown> {
    if (!this.alive) return Promise.reject(new MemberFailedError('MemberExited', null));
    const rid = ++this.rid;
    return new Promise((resolve, reject) => {
      this.pending.set(rid, { resolve, reject });
      this.child.send({ ...m, rid });
    });
  }

  onStatus(listener: (s: MemberStatusEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** kill -9: no chance to flush, close or say goodbye. */
  killHard(): void {
    this.child.kill('SIGKILL');
  }
}

export class MemberCluster {
  private constructor(readonly dir: string, readonly members: MemberHandle[]) {}

  static async start(ids: string[], options: { electionTimeoutMs?: number; witnesses?: string[]; execArgv?: string[]; linkProtection?: LinkProtection } = {}): Promise<MemberCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-members-'));
    const ports: number[] = [];
    for (const _ of ids) ports.push(await freePort());
    const secretHex = randomBytes(32).toString('hex');
    const script = fileURLToPath(new URL('../member-process.ts', import.meta.url));
    const members = ids.map((id, k) => {
      const args = ['--id', id, '--dir', join(dir, id), '--listen', `127.0.0.1:${ports[k]}`, '--secret-hex', secretHex,
        '--election-timeout-ms', String(options.electionTimeoutMs ?? 500), '--link-protection', options.linkProtection ?? 'encrypt'];
      ids.forEach((other, j) => { if (other !== id) args.push('--peer', `${other}=127.0.0.1:${ports[j]}`); });
      for (const w of options.witnesses ?? []) args.push('--witness', w);
      if (options.witnesses?.includes(id) === true) args.push('--as-witness');
      const child = fork(script, args, { execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      return new MemberHandle(id, ports[k]!, child);
    });
    return new MemberCluster(dir, members);
  }

  alive(): MemberHandle[] {
    return this.members.filter((m) => m.alive);
  }

  /** The live member that reports itself leader in the highest term, if any. */
  leader(): MemberHandle | undefined {
    let best: MemberHandle | undefined;
    for (const m of this.alive()) {
      if (m.latest?.role === 'leader' && (best === undefined || m.latest.term > best.latest!.term)) best = m;
    }
    return best;
  }

  /** Resolves with the leader once one live member leads and `accept` holds for it. */
  waitForLeader(timeoutMs: number, accept: (m: MemberHandle) => boolean = () => true): Promise<MemberHandle> {
    return new Promise((resolve, reject) => {
      const offs: Array<() => void> = [];
      const done = (m: MemberHandle | undefined, e?: Error): void => {
        clearTimeout(timer);
        for (const off of offs) off();
        if (m !== undefined) resolve(m);
        else reject(e);
      };
      const check = (): void => {
        const l = this.leader();
        if (l !== undefined && accept(l)) done(l);
      };
      const timer = setTimeout(() => done(undefined, new Error(`no leader within ${timeoutMs} ms`)), timeoutMs);
      for (const m of this.members) offs.push(m.onStatus(check));
      check();
    });
  }

  /** Asks each live member to close (so it can flush profiles and files), kills what is left after graceMs. */
  async close(graceMs = 3000): Promise<void> {
    await Promise.all(this.alive().map((m) => new Promise<void>((resolve) => {
      const timer = setTimeout(() => m.killHard(), graceMs);
      m.child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      m.request({ op: 'close' }).catch(() => undefined);
    })));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

