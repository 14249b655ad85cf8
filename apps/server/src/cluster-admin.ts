import { request } from 'node:http';
import { limits, type ClusterConfig } from '@tandem/config';
import type { MailStore } from '@tandem/store';
import { AdminRequestError } from './admin-errors.js';
import type { AdminArgs, AdminHandler } from './admin-operations.js';
import type { ClusterMember, MemberStatusReport } from './cluster-member.js';
import { rewriteAsSingleMember } from './force-single.js';

/**
 * The cluster's admin operations, served by any member's admin socket:
 *  - cluster.status: this member's report plus every other member's (fetched from its metrics
 *    listener, /v1/member, with the token derived from the cluster secret), and the summary an
 *    operator asks for: who leads, who holds the VIP, degraded or not, lag per member;
 *  - cluster.transfer {to?}: planned switchover from the leader (this member must lead);
 *  - cluster.add {node}: adds a configured member that is not in the Raft configuration (rebuilt
 *    after force-single or a restore, started with cluster.join), from the leader;
 *  - cluster.member: this member's report alone;
 *  - cluster.force {confirm}: the break-glass force-single (force-single.ts), then a restart;
 *  - store.digest (data members): the applied index and a digest of the whole store.
 */
export interface ClusterAdminOptions {
  member: ClusterMember;
  dataDir: string;
  /** Ends the daemon so that the service manager starts it again (force-single). */
  restart: () => void;
  /** Data members: the store, for store.digest. */
  store?: MailStore | undefined;
  cluster: ClusterConfig;
  /** Port of every member's metrics listener; undefined: other members cannot be asked. */
  metricsPort: number | undefined;
  statusToken: string;
}

export type MemberEntry = (MemberStatusReport & { reachable: true }) | { id: string; role: string; reachable: false; error: string };

export interface ClusterStatus {
  nodeId: string;
  leader: string | null;
  term: number;
  vipHolders: string[];
  degraded: boolean;
  members: MemberEntry[];
}

const memberFetchTimeoutMs = limits.clusterMemberStatusTimeoutMs;
const transferWaitMs = limits.clusterTransferWaitMs;

export function clusterAdminHandlers(options: ClusterAdminOptions): Record<string, AdminHandler> {
  return {
    'cluster.member': async () => options.member.report(),
    'cluster.status': async () => clusterStatus(options),
    'cluster.transfer': async (args) => transfer(options, args),
    'cluster.add': async (args) => addMember(options, args),
    'cluster.force': async (args) => forceSingle(options, args),
    // Both data nodes must build the same store (DESIGN §3): compare digests at equal applied indexes.
    ...(options.store ? { 'store.digest': async () => ({ appliedIndex: options.store!.appliedIndex, digest: await options.store!.stateDigest() }) } : {}),
  };
}

async function clusterStatus(options: ClusterAdminOptions): Promise<ClusterStatus> {
  const own = options.member.report();
  const members: MemberEntry[] = await Promise.all(options.cluster.members.map(async (m): Promise<MemberEntry> => {
    if (m.id === own.id) return { ...own, reachable: true };
    if (options.metricsPort === undefined) return { id: m.id, role: m.role, reachable: false, error: 'no metrics listener configured here, so other members cannot be asked' };
    const errors: string[] = [];
    for (const address of m.addresses) {
      try {
        const report = await fetchMember(address.host, options.metricsPort, options.statusToken);
        if (report.id !== m.id) throw new Error(`answered as member ${report.id}: is metrics.port the same on every member?`);
        return { ...report, reachable: true };
      } catch (err) {
        errors.push(`${address.host}: ${(err as Error).message}`);
      }
    }
    return { id: m.id, role: m.role, reachable: false, error: errors.join('; ') };
  }));
  const reachable = members.filter((m): m is MemberStatusReport & { reachable: true } => m.reachable);
  const term = Math.max(...reachable.map((m) => m.term));
  const leaderEntry = reachable.find((m) => m.raftRole === 'leader' && m.term === term);
  return {
    nodeId: own.id,
    leader: leaderEntry?.id ?? reachable.find((m) => m.term === term && m.leader !== null)?.leader ?? null,
    term,
    vipHolders: reachable.filter((m) => m.vipHeld).map((m) => m.id),
    degraded: leaderEntry?.degraded ?? false,
    members,
  };
}

function fetchMember(host: string, port: number, token: string): Promise<MemberStatusReport> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: '/v1/member', method: 'GET', headers: { authorization: `Bearer ${token}` }, timeout: memberFetchTimeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}`));
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as MemberStatusReport);
        } catch {
          reject(new Error('answer is not JSON'));
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${memberFetchTimeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

async function transfer(options: ClusterAdminOptions, args: AdminArgs): Promise<unknown> {
  const s = options.member.node.status();
  if (s.role !== 'leader') {
    throw new AdminRequestError(409, 'NOT_LEADER', `this member (${s.id}) is not the leader${s.leader ? `; run this on ${s.leader}` : ' and no leader is known'}`);
  }
  const dataPeers = s.membership.voters.filter((id) => id !== s.id && !s.membership.witnesses.includes(id));
  const to = args.to === undefined ? dataPeers[0] : args.to;
  if (typeof to !== 'string' || !dataPeers.includes(to)) {
    throw new AdminRequestError(400, 'INVALID', `--to must be another data member (${dataPeers.join(', ') || 'none'}); a witness never leads`);
  }
  const startedMs = Date.now();
  await options.member.transferTo(to);
  const deadline = startedMs + transferWaitMs;
  while (Date.now() < deadline) {
    const now = options.member.node.status();
    if (now.leader === to && now.term > s.term) return { from: s.id, to, term: now.term, tookMs: Date.now() - startedMs };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new AdminRequestError(504, 'TRANSFER_TIMEOUT', `${to} did not take over within ${transferWaitMs} ms (is it up and caught up? see tandem cluster status)`);
}

/**
 * A single-server membership change from the leader (thesis §4.1): a witness is added as a witness
 * voter at once (it holds no mail: it is caught up in moments), once every data member votes; a data member first as a learner,
 * which copies the log or a snapshot without counting for the quorum, and only once it has caught
 * up as a voter, so that commits never wait for a member that is still copying the store. Running
 * it again for a learner goes on from there.
 */
async function addMember(options: ClusterAdminOptions, args: AdminArgs): Promise<unknown> {
  const { member } = options;
  const s = member.node.status();
  if (s.role !== 'leader') {
    throw new AdminRequestError(409, 'NOT_LEADER', `this member (${s.id}) is not the leader${s.leader ? `; run this on ${s.leader}` : ' and no leader is known'}`);
  }
  const inConfig = options.cluster.members.filter((m) => !s.membership.voters.includes(m.id)).map((m) => m.id);
  const id = args.node;
  const config = options.cluster.members.find((m) => m.id === id);
  if (typeof id !== 'string' || config === undefined) {
    throw new AdminRequestError(400, 'INVALID', `name a member of cluster.members that is not a voter yet (${inConfig.join(', ') || 'none'})`);
  }
  if (s.membership.voters.includes(id)) throw new AdminRequestError(409, 'EXISTS', `${id} is already a voting member (see tandem cluster status)`);
  const startedMs = Date.now();
  const context = JSON.stringify(config.addresses);
  if (config.role === 'witness') {
    // A witness voter counts for the quorum at once. Beside one data voter it would be needed for
    // every commit while it catches up, and this leader could lose its lease and hand over.
    const missing = options.cluster.members.filter((m) => m.role === 'data' && !s.membership.voters.includes(m.id)).map((m) => m.id);
    if (missing.length > 0) {
      throw new AdminRequestError(409, 'ADD_DATA_FIRST', `add the data member first (tandem cluster add ${missing[0]}): until it votes, the witness would be needed for every commit while it catches up`);
    }
    await member.node.proposeConfChange({ type: 'addWitness', nodeId: id, context });
  } else {
    if (!s.membership.learners.includes(id)) await member.node.proposeConfChange({ type: 'addLearner', nodeId: id, context });
    const deadline = startedMs + limits.clusterAddCatchUpMs;
    while (!caughtUp(member.report(), id)) {
      if (member.node.status().role !== 'leader') {
        throw new AdminRequestError(409, 'NOT_LEADER', `leadership moved while ${id} was catching up as a learner; run this again on the new leader`);
      }
      if (Date.now() > deadline) {
        throw new AdminRequestError(504, 'CATCH_UP_TIMEOUT', `${id} is a learner and still catching up after ${limits.clusterAddCatchUpMs} ms (is it running with cluster.join? see tandem cluster status); run this again to go on`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await member.node.proposeConfChange({ type: 'addVoter', nodeId: id });
  }
  // The change is committed; the status shows it once the engine has applied it too.
  const shown = Date.now() + transferWaitMs;
  while (!member.node.status().membership.voters.includes(id) && Date.now() < shown) await new Promise((resolve) => setTimeout(resolve, 20));
  return { node: id, role: config.role, tookMs: Date.now() - startedMs, membership: member.node.status().membership };
}

/**
 * A learner is caught up when it needs no snapshot any more (it holds everything up to this
 * leader's snapshot) and lags the commit index by at most limits.clusterAddCaughtUpLagEntriesMax.
 * The lag alone is not enough: on a short log, a learner that has received nothing yet (its
 * snapshot still on the way) can lag by fewer entries than the bound, and made a voter then it
 * would be needed for every commit of a two-voter cluster while it has nothing.
 */
export function caughtUp(report: { snapshotIndex: number; peers?: Record<string, { matchIndex: number; lagEntries: number }> }, id: string): boolean {
  const peer = report.peers?.[id];
  return peer !== undefined && peer.matchIndex > 0 && peer.matchIndex >= report.snapshotIndex && peer.lagEntries <= limits.clusterAddCaughtUpLagEntriesMax;
}

/** Exit status asking the service manager for a restart (EX_TEMPFAIL; systemd Restart=on-failure). */
export const restartExitCode = 75;

async function forceSingle(options: ClusterAdminOptions, args: AdminArgs): Promise<unknown> {
  if (args.confirm !== 'yes-i-understand') throw new AdminRequestError(400, 'REFUSED', 'force-single needs the confirmation "yes-i-understand"');
  const { member, store } = options;
  if (member.cluster.role !== 'data' || store === undefined) throw new AdminRequestError(400, 'INVALID', 'only a data member can serve alone; a witness has no mail');
  const s = member.node.status();
  if (s.membership.voters.length === 1) throw new AdminRequestError(409, 'INVALID', `${s.id} is already a one-member cluster`);
  if (s.leader !== null) {
    throw new AdminRequestError(409, 'HAS_QUORUM', `member ${s.leader} leads term ${s.term}: the cluster has a quorum, nothing to force (force-single is for when the witness and the other data node are both gone)`);
  }
  await member.stop();
  const result = await rewriteAsSingleMember({ dataDir: options.dataDir, selfId: s.id, store, appliedIndex: member.node.status().appliedIndex, term: s.term });
  setTimeout(() => options.restart(), 200);
  return { ...result, restarting: true };
}
