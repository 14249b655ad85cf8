import { formatTable } from './format-table.js';

/** The shape of the `cluster.status` admin result (apps/server/src/cluster-admin.ts), as the CLI reads it. */
export interface MemberView {
  id: string;
  role: string;
  reachable: boolean;
  error?: string;
  raftRole?: string;
  term?: number;
  leader?: string | null;
  commitIndex?: number;
  appliedIndex?: number;
  vipHeld?: boolean;
  serving?: boolean;
  degraded?: boolean;
  peers?: Record<string, { matchIndex: number; lagEntries: number; health?: string }>;
  links?: Record<string, { up: boolean; address: string; error?: string }>;
  snapshotTransfers?: Array<{ peer: string; direction: string; index: number; bytesDone: number; bytesTotal: number }>;
}

export interface ClusterStatusView {
  nodeId: string;
  leader: string | null;
  term: number;
  vipHolders: string[];
  degraded: boolean;
  members: MemberView[];
}

/**
 * `tandem cluster status` for people: one summary line, then one row per member. Lag is the
 * leader's view (commit index minus the member's match index); a snapshot being streamed shows
 * its progress. Scripts use --json.
 */
export function formatClusterStatus(s: ClusterStatusView): string {
  const leader = s.members.find((m) => m.id === s.leader);
  const vip = s.vipHolders.length === 0 ? 'nobody holds the VIP' : s.vipHolders.length === 1 ? `VIP held by ${s.vipHolders[0]}` : `VIP CLAIMED BY ${s.vipHolders.join(' AND ')}`;
  const health = s.leader === null ? 'NO LEADER' : s.degraded ? 'DEGRADED (one data node down or catching up: writes on leader + witness)' : 'healthy';
  const rows = s.members.map((m) => {
    if (!m.reachable) return [m.id, m.role, 'unreachable', '-', '-', '-', '-', '-', m.error ?? ''];
    const lag = leader?.peers?.[m.id]?.lagEntries;
    const transfers = (m.snapshotTransfers ?? []).map((t) => `snapshot ${t.direction === 'receive' ? 'from' : 'to'} ${t.peer} ${percent(t.bytesDone, t.bytesTotal)}`);
    // Why a link is down (a wrong secret, a link protection mismatch, …) is what an admin needs to fix it.
    const down = Object.entries(m.links ?? {}).filter(([, l]) => !l.up).map(([id, l]) => `link to ${id} down${l.error ? `: ${l.error}` : ''}`);
    return [
      m.id, m.role, m.raftRole ?? '-', String(m.term ?? '-'), String(m.commitIndex ?? '-'), String(m.appliedIndex ?? '-'),
      m.id === s.leader ? '-' : lag === undefined ? '?' : String(lag), m.vipHeld ? 'yes' : '', [...transfers, ...down].join('; '),
    ];
  });
  return `cluster: leader ${s.leader ?? 'none'} (term ${s.term}), ${vip}, ${health}\n`
    + formatTable(['MEMBER', 'ROLE', 'RAFT', 'TERM', 'COMMIT', 'APPLIED', 'LAG', 'VIP', 'NOTES'], rows);
}

function percent(done: number, total: number): string {
  if (total <= 0) return `${done} B`;
  return `${Math.floor((100 * done) / total)}% (${(done / 1048576).toFixed(1)} of ${(total / 1048576).toFixed(1)} MiB)`;
}
