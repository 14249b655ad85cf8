/**
 * The three things done to a virtual IP. Two implementations: IpVipActions (ip + arping, for a LAN
 * where ARP moves an address) and HookVipActions (an operator's script, for clouds where it cannot).
 * add() and remove() are idempotent: adding a present address or removing an absent one succeeds.
 */
export interface VipActions {
  /** One line for the log, e.g. "10.0.0.5/24 on eth0 via ip". */
  readonly description: string;
  add(): Promise<void>;
  remove(): Promise<void>;
  /** Blocking remove for last-ditch paths (uncaught exception); throws VipCommandError on failure. */
  removeSync(): void;
  /**
   * Tell the segment who has the address now (gratuitous ARP); a no-op where that means nothing.
   * Aborting `signal` stops it at once: no announcement may leave after the address is removed.
   */
  announce(signal?: AbortSignal): Promise<void>;
}
