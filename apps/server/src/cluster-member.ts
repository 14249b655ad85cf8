import { join } from 'node:path';
import type { Logger } from 'pino';
import { readClusterSecret, type ClusterConfig, type ClusterMember as MemberConfig } from '@tandem/config';
import { monotonicNowMs, VipGuardClient } from '@tandem/cluster';
import { MailStateMachine, ReplicatedCommandLog, ServiceDriver, type ListenerHooks } from '@tandem/node';
import type { Membership } from '@tandem/raft';
import { RaftNode, type RaftNodeStatus, type SnapshotTransferStatus } from '@tandem/replication';
import type { ApplyResult, MailStore } from '@tandem/store';

/**
 * One member of a cluster inside tandemd: the RaftNode (its engine in a worker thread), and on a
 * data member the store as its state machine, the replicated command log with the hot-standby gate,
 * and the service driver that holds the VIP and opens the listeners while this member leads.
 * A witness runs only the RaftNode (DESIGN §2: log and vote; never the store, never clients).
 */
export interface MemberStatusReport {
  id: string;
  role: 'data' | 'witness';
  raftRole: string;
  term: number;
  leader: string | null;
  commitIndex: number;
  appliedIndex: number;
  lastIndex: number;
  snapshotIndex: number;
  hasLease: boolean;
  vipHeld: boolean;
  serving: boolean;
  /** Leader only: the other data node is down or not keeping up (writes on leader + witness). */
  degraded: boolean;
  fencedReason: string | null;
  /** Leader only: per other member; `health` for data members (hot standby: sync, unreachable, lagging). */
  peers: Record<string, { matchIndex: number; lagEntries: number; health?: string }>;
  /** `error`: while a link is down, why it last failed (a wrong secret, a link protection mismatch, …). */
  links: Record<string, { up: boolean; address: string; error?: string }>;
  snapshotTransfers: SnapshotTransferStatus[];
  membership: Membership;
}

export interface ClusterMemberOptions {
  cluster: ClusterConfig;
  dataDir: string;
  logger: Logger;
  /** Data members: the store (the state machine). */
  store?: MailStore;
  /** Data members: what to open and close with leadership. */
  listeners?: ListenerHooks;
}

const snapshotProgressLogMs = 2_000;

export class ClusterMember {
  private constructor(
    readonly cluster: ClusterConfig,
    readonly node: RaftNode<ApplyResult>,
    readonly commandLog: ReplicatedCommandLog | undefined,
    readonly driver: ServiceDriver | undefined,
    private readonly unsubscribe: () => void,
  ) {}

  private stopping: Promise<void> | undefined;

  static async start(options: ClusterMemberOptions): Promise<ClusterMember> {
    const { cluster, logger, store } = options;
    const self = cluster.members.find((m) => m.id === cluster.nodeId)!;
    const witnesses = cluster.members.filter((m) => m.role === 'witness').map((m) => m.id);
    const peers = Object.fromEntries(cluster.members.filter((m) => m.id !== self.id).map((m) => [m.id, m.addresses]));
    const t = cluster.timing;
    const raftLog = logger.child({ component: 'raft' });
    const node = await RaftNode.start<ApplyResult>({
      id: self.id,
      dataDir: join(options.dataDir, 'raft'),
      listen: listenAddress(self),
      peers,
      secret: readClusterSecret(cluster.secretFile),
      // Encrypted unless the operator chose authenticate-only for a private or tunnelled network.
      linkProtection: cluster.linkProtection,
      witnesses,
      bootstrap: { voters: cluster.members.map((m) => m.id).sort(), witnesses: [...witnesses].sort(), learners: [] },
      join: cluster.join,
      witness: cluster.role === 'witness',
      // Replay from the store's last checkpoint, not its applied index: entries after the checkpoint
      // may have files a power cut tore, and re-applying them redoes those files (docs/architecture.md,
      // "Durability: the log, then checkpoints").
      ...(store ? { stateMachine: new MailStateMachine(store), appliedIndex: store.checkpointIndex } : {}),
      tickMs: t.tickMs,
      electionTimeoutMs: t.electionTimeoutMs,
      heartbeatIntervalMs: t.heartbeatIntervalMs,
      leaseMs: t.leaseMs,
      witnessElectionTimeoutMs: t.witnessElectionTimeoutMs,
      proposeTimeoutMs: t.proposeTimeoutMs,
      // DESIGN §3 hot standby (on with two data voters): a proposal is answered once the other data
      // node holds it too, unless that node counts as down for dataPeerDownMs (degraded).
      dataPeerDownMs: t.dataPeerDownMs,
      degradedPolicy: cluster.degradedPolicy,
      snapshotIntervalEntries: cluster.snapshotIntervalEntries,
      onFatal: (err) => {
        raftLog.fatal({ err }, 'raft engine failed: stopping (a restart recovers from what is durable)');
        process.exitCode = 1;
        setImmediate(() => process.exit(1));
      },
    });
    let commandLog: ReplicatedCommandLog | undefined;
    let driver: ServiceDriver | undefined;
    if (cluster.role === 'data' && store && options.listeners) {
      commandLog = new ReplicatedCommandLog({ node });
      driver = new ServiceDriver({
        source: node, role: 'data', previousLeaseWaitMs: t.previousLeaseWaitMs,
        makeVipHolder: cluster.vip ? () => new VipGuardClient({
          vip: cluster.vip!.cidr, dev: cluster.vip!.interface, leaseMs: t.leaseMs, hook: cluster.vip!.hook,
        }) : undefined,
        listeners: options.listeners,
        logger: logger.child({ component: 'service' }),
        nowMonoMs: monotonicNowMs,
        transferTarget: () => transferTarget(node.status(), self.id),
      });
    }
    let lastRole = '';
    let lastDegraded = false;
    let lastProgressLogMs = 0;
    const linkErrors = new Map<string, Set<string>>();
    const unsubscribe = node.onStatus((s) => {
      // Why a link to a peer is down: each reason logged once until the link is up again (it re-dials
      // every half second, over several addresses); a configuration mistake such as a link
      // protection mismatch or a wrong secret shows here.
      for (const [peer, l] of Object.entries(s.links)) {
        if (l.up) {
          linkErrors.delete(peer);
          continue;
        }
        if (l.error === undefined) continue;
        const seen = linkErrors.get(peer) ?? new Set<string>();
        linkErrors.set(peer, seen);
        if (seen.has(l.error) || seen.size >= 8) continue;
        seen.add(l.error);
        raftLog.warn({ peer }, `link to ${peer} down: ${l.error}`);
      }
      if (s.degraded !== lastDegraded) {
        lastDegraded = s.degraded;
        const peers = s.dataPeers.map((p) => `${p.id}:${p.state}`).join(', ');
        if (s.degraded) raftLog.warn({ dataPeers: s.dataPeers }, `degraded: a data node is down or not keeping up (${peers}); writes commit on leader + witness (policy ${cluster.degradedPolicy})`);
        else raftLog.info({ dataPeers: s.dataPeers }, 'no longer degraded: the other data node holds every write again');
      }
      const key = `${s.role}/${s.term}/${s.leader ?? '-'}`;
      if (key !== lastRole) {
        lastRole = key;
        raftLog.info({ role: s.role, term: s.term, leader: s.leader, commitIndex: s.commitIndex }, 'raft role');
      }
      // Snapshot streaming progress (DESIGN §1.5: a returning node catches up while service goes on).
      if (s.snapshotTransfers.length > 0 && Date.now() - lastProgressLogMs >= snapshotProgressLogMs) {
        lastProgressLogMs = Date.now();
        for (const transfer of s.snapshotTransfers) raftLog.info({ transfer }, 'snapshot transfer in progress');
      }
    });
    const member = new ClusterMember(cluster, node, commandLog, driver, unsubscribe);
    driver?.start();
    raftLog.info({ id: self.id, role: cluster.role, listen: listenAddress(self), port: node.port, linkProtection: cluster.linkProtection }, 'cluster member started');
    return member;
  }

  report(): MemberStatusReport {
    const s = this.node.status();
    const driverState = this.driver?.state();
    const peers: MemberStatusReport['peers'] = {};
    if (s.role === 'leader') {
      for (const [id, match] of Object.entries(s.matchIndex)) {
        if (id === s.id) continue;
        const standby = s.dataPeers.find((p) => p.id === id);
        peers[id] = { matchIndex: match, lagEntries: Math.max(0, s.commitIndex - match), ...(standby ? { health: standby.state } : {}) };
      }
    }
    const links: MemberStatusReport['links'] = {};
    for (const [id, l] of Object.entries(s.links)) {
      links[id] = { up: l.up, address: `${l.address.host}:${l.address.port}`, ...(!l.up && l.error !== undefined ? { error: l.error } : {}) };
    }
    return {
      id: s.id, role: this.cluster.role, raftRole: s.role, term: s.term, leader: s.leader, commitIndex: s.commitIndex,
      appliedIndex: s.appliedIndex, lastIndex: s.lastIndex, snapshotIndex: s.snapshotIndex, hasLease: s.hasLease,
      vipHeld: driverState?.vipHeld ?? false, serving: driverState?.serving ?? false, degraded: s.degraded,
      fencedReason: driverState?.fencedReason ?? null, peers, links, snapshotTransfers: s.snapshotTransfers, membership: s.membership,
    };
  }

  /** Planned switchover (DESIGN §4): drop the VIP and listeners, then TimeoutNow to `to`. */
  async transferTo(to: string): Promise<void> {
    if (this.driver) await this.driver.transferTo(to);
    else this.node.transferLeadership(to);
  }

  /** Drops the VIP and listeners, lets proposals in flight finish, stops Raft. Idempotent. */
  async stop(): Promise<void> {
    this.stopping ??= this.stopOnce();
    return this.stopping;
  }

  private async stopOnce(): Promise<void> {
    await this.driver?.stop();
    await this.commandLog?.close();
    this.unsubscribe();
    await this.node.close();
  }
}

/** One address: listen there; several (links): listen on all interfaces at their common port. */
function listenAddress(self: MemberConfig): { host: string; port: number } {
  const first = self.addresses[0]!;
  return self.addresses.length === 1 ? first : { host: '0.0.0.0', port: first.port };
}

/**
 * The other data voter to hand leadership to: a healthy one first, else any we have a link to (the
 * core brings a lagging target up to date before TimeoutNow; a peer marked down may simply have had
 * nothing to acknowledge since).
 */
function transferTarget(s: RaftNodeStatus, selfId: string): string | undefined {
  const data = s.membership.voters.filter((id) => id !== selfId && !s.membership.witnesses.includes(id));
  return data.find((id) => s.dataPeers.some((p) => p.id === id && p.state === 'sync')) ?? data.find((id) => s.links[id]?.up === true);
}
