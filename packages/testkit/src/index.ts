// @tandem/testkit: deterministic simulation of Raft clusters (network, disks, crashes) and the
// safety checkers that later tests share.
export { SeededRandom } from './seeded-random.js';
export { SimDisk, replay } from './sim-disk.js';
export type { DiskRecord, CrashOutcome } from './sim-disk.js';
export { SimNetwork, cloneMessage, reliableNetwork } from './sim-network.js';
export type { NetworkFaults } from './sim-network.js';
export { SimStateMachine, proposalData } from './sim-state-machine.js';
export { SimNode } from './sim-node.js';
export type { ReadyHooks, SimNodeOptions } from './sim-node.js';
export { SafetyChecker } from './safety-checker.js';
export type { Violation } from './safety-checker.js';
export { pickScenario } from './sim-scenario.js';
export type { SimScenario, Topology } from './sim-scenario.js';
export { Simulation, runSimulation } from './simulation.js';
export type { SimulationOptions, SimulationResult, SimulationStats } from './simulation.js';
export { runSeeds } from './run-seeds.js';
export type { SeedsReport } from './run-seeds.js';
export { mulberry32 } from './mulberry32.js';
export { freePort, freePorts } from './free-ports.js';
export { DnsTestServer } from './dns-test-server.js';
export type { DnsTestFault, DnsTestQuery, DnsTestRecords, DnsTestZone } from './dns-test-server.js';
