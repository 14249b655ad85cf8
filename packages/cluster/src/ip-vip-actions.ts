import { spawnSync } from 'node:child_process';
import { runCommand, runCommandSync } from './run-command.js';
import type { VipActions } from './vip-actions.js';
import type { VipAddress } from './vip-address.js';
import { VipCommandError } from './vip-errors.js';
import { vipGuardLimits } from './vip-guard-limits.js';

export interface IpVipActionsOptions {
  vip: VipAddress;
  dev: string;
  /** Program names or paths; defaults "ip" and "arping" from PATH. */
  ipCommand?: string;
  arpingCommand?: string;
  commandTimeoutMs?: number;
}

/**
 * Two arping programs exist and they disagree on flags: Thomas Habets' (Debian package "arping")
 * and iputils' (package "iputils-arping"). Habets' -U keeps the interface's own address as sender
 * unless -S is given, which would not be a gratuitous ARP at all, so each gets its own arguments.
 */
type ArpingFlavour = 'habets' | 'iputils';

/** Holds a VIP with `ip addr` and announces it with gratuitous ARP (RFC 5227 §3, "ARP Announcement"). */
export class IpVipActions implements VipActions {
  readonly description: string;
  private readonly ip: string;
  private readonly arping: string;
  private readonly timeoutMs: number;
  private arpingFlavour: ArpingFlavour | undefined;

  constructor(private readonly options: IpVipActionsOptions) {
    this.ip = options.ipCommand ?? 'ip';
    this.arping = options.arpingCommand ?? 'arping';
    this.timeoutMs = options.commandTimeoutMs ?? vipGuardLimits.commandTimeoutMs;
    this.description = `${options.vip.cidr} on ${options.dev} via ip/arping`;
  }

  async add(): Promise<void> {
    try {
      await runCommand(this.ip, ['-4', 'addr', 'add', this.options.vip.cidr, 'dev', this.options.dev], this.timeoutMs);
    } catch (err) {
      // Already present (a previous guard, or the operator) is success; the error text differs between
      // iproute2 versions, so ask the kernel instead of parsing it.
      if (err instanceof VipCommandError && (await this.isPresent().catch(() => false))) return;
      throw err;
    }
  }

  async remove(): Promise<void> {
    try {
      await runCommand(this.ip, ['-4', 'addr', 'del', this.options.vip.cidr, 'dev', this.options.dev], this.timeoutMs);
    } catch (err) {
      if (err instanceof VipCommandError && !(await this.isPresent().catch(() => true))) return;
      throw err;
    }
  }

  removeSync(): void {
    try {
      runCommandSync(this.ip, ['-4', 'addr', 'del', this.options.vip.cidr, 'dev', this.options.dev], this.timeoutMs);
    } catch (err) {
      const listed = spawnSync(this.ip, ['-j', '-4', 'addr', 'show', 'dev', this.options.dev], { encoding: 'utf8', timeout: this.timeoutMs });
      if (listed.status === 0 && !listsAddress(listed.stdout, this.options.vip.ip)) return;
      throw err;
    }
  }

  /** Whether the VIP is configured on the interface right now. */
  async isPresent(): Promise<boolean> {
    const { stdout } = await runCommand(this.ip, ['-j', '-4', 'addr', 'show', 'dev', this.options.dev], this.timeoutMs);
    return listsAddress(stdout, this.options.vip.ip);
  }

  async announce(signal?: AbortSignal): Promise<void> {
    const { vip, dev } = this.options;
    const count = String(vipGuardLimits.garpCount);
    this.arpingFlavour ??= detectArpingFlavour(this.arping);
    const args = this.arpingFlavour === 'habets'
      ? ['-U', '-S', vip.ip, '-c', count, '-W', '0.2', '-i', dev, vip.ip]
      : ['-U', '-c', count, '-I', dev, vip.ip];
    try {
      await runCommand(this.arping, args, this.timeoutMs, signal);
    } catch (err) {
      // Both arpings exit 1 when nobody replied, which is normal for an announcement.
      if (err instanceof VipCommandError && err.exitCode === 1) return;
      throw err;
    }
  }
}

/** `ip -j addr show` prints [{ addr_info: [{ family, local, prefixlen }] }]. */
function listsAddress(json: string, ip: string): boolean {
  const links = JSON.parse(json) as Array<{ addr_info?: Array<{ local?: string }> }>;
  return links.some((link) => (link.addr_info ?? []).some((info) => info.local === ip));
}

function detectArpingFlavour(arping: string): ArpingFlavour {
  const probe = spawnSync(arping, ['--help'], { encoding: 'utf8', timeout: 2_000 });
  const text = `${probe.stdout ?? ''}${probe.stderr ?? ''}`;
  return /Habets|ARPing \d/.test(text) ? 'habets' : 'iputils';
}
