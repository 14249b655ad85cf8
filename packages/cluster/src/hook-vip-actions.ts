import { runCommand, runCommandSync } from './run-command.js';
import type { VipActions } from './vip-actions.js';
import type { VipAddress } from './vip-address.js';
import { vipGuardLimits } from './vip-guard-limits.js';

export interface HookVipActionsOptions {
  /** Executable run as `HOOK add|del VIP/PREFIX IFACE`; exit 0 means done. */
  hook: string;
  vip: VipAddress;
  dev: string;
  timeoutMs?: number;
}

/**
 * Where ARP cannot move an address (most clouds route a secondary IP to one instance through their
 * API), an operator's script does the moving. Same ordering rules as ip/arping: the guard calls
 * `del` before anything else may take the address. The script must make `add` and `del` idempotent.
 * No gratuitous ARP: the cloud's network, not the segment's ARP caches, decides where packets go.
 */
export class HookVipActions implements VipActions {
  readonly description: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: HookVipActionsOptions) {
    this.timeoutMs = options.timeoutMs ?? vipGuardLimits.hookTimeoutMsDefault;
    this.description = `${options.vip.cidr} on ${options.dev} via hook ${options.hook}`;
  }

  async add(): Promise<void> {
    await runCommand(this.options.hook, ['add', this.options.vip.cidr, this.options.dev], this.timeoutMs);
  }

  async remove(): Promise<void> {
    await runCommand(this.options.hook, ['del', this.options.vip.cidr, this.options.dev], this.timeoutMs);
  }

  removeSync(): void {
    runCommandSync(this.options.hook, ['del', this.options.vip.cidr, this.options.dev], this.timeoutMs);
  }

  async announce(): Promise<void> {}
}
