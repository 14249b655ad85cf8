/**
 * The `cluster` section of a tandemd config (DESIGN §2–4): who the members are, how they reach each
 * other, the virtual IP the leader holds, and the Raft timings. Everything here has been checked by
 * validateCluster(); paths are absolute, every address has its port.
 */
export type MemberRole = 'data' | 'witness';
export const memberRoles: readonly MemberRole[] = ['data', 'witness'];

/**
 * What a leader does while the other data node is down (DESIGN §3): `accept` keeps serving with the
 * entries on the leader and the witness (still two disks); `refuse` answers 4xx / NO [UNAVAILABLE]
 * before anything is proposed, so mail waits at the sender until both data nodes hold it.
 */
export type DegradedPolicy = 'accept' | 'refuse';
export const degradedPolicies: readonly DegradedPolicy[] = ['accept', 'refuse'];

/**
 * How the Raft links between members protect each frame (packages/replication secure-connection.ts);
 * the same on every member, or they refuse each other in the handshake. `encrypt` (AES-256-GCM):
 * confidential and authenticated. `authenticate` (AES-256-GMAC): authenticated only, replicated mail
 * crosses the links in the clear; cheaper on large entries, for links on a private network or
 * inside WireGuard/IPsec only.
 */
export type LinkProtection = 'encrypt' | 'authenticate';
export const linkProtections: readonly LinkProtection[] = ['encrypt', 'authenticate'];

export interface ClusterAddress {
  host: string;
  port: number;
}

export interface ClusterMember {
  /** Short stable name ("a", "b", "w"); the Raft node id. */
  id: string;
  role: MemberRole;
  /** Where the other members reach it, first preferred (DESIGN §2: a cross-link first, then the LAN). */
  addresses: ClusterAddress[];
}

export interface VipConfig {
  /** "10.0.0.100" */
  address: string;
  prefixLength: number;
  /** "10.0.0.100/24", what `ip addr add` and the VIP guard take. */
  cidr: string;
  /** Interface the VIP is added to ("eth0"). */
  interface: string;
  /** Script run as `HOOK add|del VIP/PREFIX IFACE` instead of ip/arping (clouds). */
  hook: string | undefined;
}

export interface ClusterTiming {
  /** Core tick; every Raft timeout below is rounded to whole ticks. */
  tickMs: number;
  /** A follower campaigns after [1, 2) × this without a leader (Raft §5.2). */
  electionTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** The leader lease (DESIGN §4); must be shorter than the election timeout. */
  leaseMs: number;
  /** The witness campaigns later than the data nodes, so a data node normally wins (DESIGN §2). */
  witnessElectionTimeoutMs: number;
  /**
   * A new leader waits this long after its election before it adds the VIP: the margin by which the
   * previous leader's VIP guard must have dropped the address (its lease ran out before we could be
   * elected; this covers the time `ip addr del` takes).
   */
  previousLeaseWaitMs: number;
  /** A proposal not applied within this has an unknown outcome (the SMTP client is dropped, retries). */
  proposeTimeoutMs: number;
  /**
   * While both data nodes are healthy the leader answers only once the other data node holds the
   * entry (DESIGN §3). A data node not heard from, or not keeping up, for this long counts as down:
   * degraded (writes on leader + witness, or refused under `refuse`). Default: the election timeout.
   */
  dataPeerDownMs: number;
}

export interface ClusterConfig {
  /** This member's id. */
  nodeId: string;
  /** This member's role (from its entry in members). */
  role: MemberRole;
  members: ClusterMember[];
  /** Default Raft port for addresses given without one. */
  port: number;
  /** The shared cluster secret (≥ 16 bytes), mode 0600/0640. */
  secretFile: string;
  /**
   * Absent (or `false` in the file): the leader opens its listeners on `listen`, and something else
   * must steer clients to it (a load balancer's health check; single-member clusters; loopback tests).
   */
  vip: VipConfig | undefined;
  degradedPolicy: DegradedPolicy;
  linkProtection: LinkProtection;
  timing: ClusterTiming;
  /** A data member snapshots the store after this many applied entries (then the log is compacted). */
  snapshotIntervalEntries: number;
  /**
   * This member joins a running cluster instead of founding one: with an empty data dir it writes no
   * founding configuration and waits to be added (`tandem cluster add` on the leader), taking the
   * log or a snapshot from the leader. For members rebuilt after `force-single` or a restore.
   * Ignored once the member's data dir holds Raft state.
   */
  join: boolean;
}

export const clusterDefaults = {
  port: 7400,
  degradedPolicy: 'accept' as DegradedPolicy,
  linkProtection: 'encrypt' as LinkProtection,
  tickMs: 10,
  /**
   * 1 s: a new leader 1–2 s after the old one died (failover target p50 ≤ 3 s with the VIP move),
   * and a lease (0.8 s) that survives a daemon's event loop stalling for most of a second.
   */
  electionTimeoutMs: 1_000,
  heartbeatIntervalMs: 100,
  /** 80 % of the election timeout: a 20 % margin for clock-rate drift between machines. */
  leaseFraction: 0.8,
  previousLeaseWaitMs: 100,
  proposeTimeoutMs: 10_000,
  snapshotIntervalEntries: 100_000,
} as const;
