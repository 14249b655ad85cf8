// @tandem/node: a cluster member's runtime (DESIGN §2–4). The mail store on Raft (ReplicatedCommandLog
// over a RaftNode whose state machine is MailStore.apply) and leadership driving the VIP and the
// listeners (ServiceDriver over @tandem/cluster's ServiceController).
export { ReplicatedCommandLog, DegradedRefusalError } from './replicated-command-log.js';
export type { ApplyingProposer, ReplicatedCommandLogOptions, ReplicatedLogStats } from './replicated-command-log.js';
export { MailStateMachine } from './mail-state-machine.js';
export { ServiceDriver } from './service-driver.js';
export type {
  DriverLogger, LeadershipSource, ListenerHooks, ServiceDriverOptions, ServiceDriverState, VipHolder,
} from './service-driver.js';
