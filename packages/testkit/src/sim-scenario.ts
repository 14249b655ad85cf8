// The shape of one simulated run, drawn from its seed: who the members are, the Raft timing, flow
// control limits, and how hostile the network, disks and processes are.
import type { NodeId } from '@tandem/raft';
import type { NetworkFaults } from './sim-network.js';
import type { SeededRandom } from './seeded-random.js';

/** DESIGN §2's data-data-witness, or five members (all data, or four data and a witness). */
export type Topology = 'data-data-witness' | 'five-members';

export interface SimScenario {
  topology: Topology;
  /** Founding members. */
  members: Array<{ id: NodeId; witness: boolean }>;
  /**
   * Data members cycled through membership changes (thesis §4): a spare that joins empty, and/or a
   * founding member that is removed and added back (learner, then voter).
   */
  cycled: NodeId[];
  /** The spare data member, outside the founding configuration (or null). */
  spare: NodeId | null;
  /** Per tick: the leader proposes the next change for a cycled member. */
  confChangeRate: number;
  electionTimeoutTicks: number;
  heartbeatIntervalTicks: number;
  witnessElectionTimeoutTicks: number;
  leaseTicks: number;
  maxInflightMsgs: number;
  maxSizePerMsgBytes: number;
  snapshotEveryEntries: number;
  keepEntriesAfterSnapshot: number;
  faults: NetworkFaults;
  /** Per tick. */
  crashRate: number;
  /** Per tick: crash whichever member leads. */
  leaderCrashRate: number;
  partitionRate: number;
  pauseRate: number;
  transferRate: number;
  campaignRate: number;
  /** Per Ready: crash after writing, before the fsync. */
  midWriteCrashRate: number;
  proposalsPerTickMax: number;
  faultTicks: number;
  /** After healing, a data leader must exist within this many ticks. */
  leaderAfterHealBoundTicks: number;
  /** ... and every member must have caught up within this many more. */
  convergeBoundTicks: number;
}

export function pickScenario(rng: SeededRandom, topology?: Topology): SimScenario {
  const topo: Topology = topology ?? (rng.chance(0.5) ? 'data-data-witness' : 'five-members');
  let members: Array<{ id: NodeId; witness: boolean }>;
  if (topo === 'data-data-witness') {
    members = [{ id: 'a', witness: false }, { id: 'b', witness: false }, { id: 'w', witness: true }];
  } else {
    const withWitness = rng.chance(0.5);
    members = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, witness: withWitness && id === 'e' }));
  }
  const spare = rng.chance(0.5) ? 'f' : null;
  const cycled = [...(spare === null ? [] : [spare]), ...(rng.chance(0.5) ? ['b'] : [])];
  const electionTimeoutTicks = 10;
  const witnessElectionTimeoutTicks = 20;
  return {
    topology: topo,
    members,
    cycled,
    spare,
    confChangeRate: cycled.length === 0 ? 0 : rng.pick([0.005, 0.02, 0.05]),
    electionTimeoutTicks,
    heartbeatIntervalTicks: rng.pick([1, 2, 3]),
    witnessElectionTimeoutTicks,
    // The tightest lease the core promises to keep safe with equal clock rates (see raft-config.ts).
    leaseTicks: electionTimeoutTicks - 1,
    maxInflightMsgs: rng.pick([1, 2, 8, 256]),
    maxSizePerMsgBytes: rng.pick([1, 100, 1024 * 1024]),
    snapshotEveryEntries: rng.pick([3, 10, 40, 1000]),
    keepEntriesAfterSnapshot: rng.pick([0, 2, 10]),
    faults: {
      dropRate: rng.pick([0, 0.01, 0.05, 0.2]),
      duplicateRate: rng.pick([0, 0.02, 0.1]),
      maxDelayTicks: rng.pick([0, 1, 3, 8]),
    },
    crashRate: rng.pick([0, 0.005, 0.02]),
    leaderCrashRate: rng.pick([0, 0.01, 0.05]),
    partitionRate: rng.pick([0, 0.01, 0.04]),
    pauseRate: rng.pick([0, 0.005, 0.02]),
    transferRate: rng.pick([0, 0.005, 0.02]),
    campaignRate: rng.pick([0, 0.01]),
    midWriteCrashRate: rng.pick([0, 0.001, 0.005]),
    // 0: a quiet cluster, where logs never differ and only timing decides elections.
    proposalsPerTickMax: rng.pick([0, 1, 2, 4]),
    faultTicks: 300,
    leaderAfterHealBoundTicks: 2 * witnessElectionTimeoutTicks + 6 * electionTimeoutTicks,
    convergeBoundTicks: 400,
  };
}
