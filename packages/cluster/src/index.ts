// @tandem/cluster: the node runtime around Raft. So far: the VIP guard (a process that holds the
// virtual IP and lets go by itself), its daemon-side client, and the pure service controller that
// turns leadership and lease events into ordered VIP/listener actions (DESIGN §4).
import { fileURLToPath } from 'node:url';

export { ServiceController } from './service-controller.js';
export type { DemotionReason, RaftRole, ServiceAction, ServiceControllerOptions, ServiceInput, ServiceStatus, VipHolding } from './service-controller.js';
export { VipGuardClient } from './vip-guard-client.js';
export type { VipGuardClientEvents, VipGuardClientOptions, VipGuardClientState, VipGuardExit, VipGuardSpawner } from './vip-guard-client.js';
export { VipGuard } from './vip-guard.js';
export type { GuardTimers, VipGuardLogLevel, VipGuardOptions, VipGuardOutcome, VipGuardState } from './vip-guard.js';
export { formatGuardCommand, formatGuardEvent, parseGuardCommand, parseGuardEvent, vipReleaseReasons } from './vip-guard-protocol.js';
export type { VipGuardCommand, VipGuardEvent, VipReleaseReason } from './vip-guard-protocol.js';
export { formatVipGuardArgs, parseVipGuardArgs, vipGuardUsage } from './vip-guard-args.js';
export type { VipGuardSettings } from './vip-guard-args.js';
export { vipGuardLimits } from './vip-guard-limits.js';
export { parseInterfaceName, parseVipAddress } from './vip-address.js';
export type { VipAddress } from './vip-address.js';
export type { VipActions } from './vip-actions.js';
export { IpVipActions } from './ip-vip-actions.js';
export type { IpVipActionsOptions } from './ip-vip-actions.js';
export { HookVipActions } from './hook-vip-actions.js';
export type { HookVipActionsOptions } from './hook-vip-actions.js';
export { VipCommandError, VipConfigError, VipGuardExitedError, VipGuardStateError, VipGuardTimeoutError } from './vip-errors.js';
export { monotonicNowMs } from './monotonic-clock.js';
export { LineSplitter } from './line-splitter.js';
/** Absolute path of the guard's entry point, for launchers that build their own command line. */
export const vipGuardMainPath = fileURLToPath(new URL('./vip-guard-main.ts', import.meta.url));
