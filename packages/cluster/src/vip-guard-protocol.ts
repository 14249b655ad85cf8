/**
 * The line protocol between tandemd and its VIP guard, one line per message.
 *
 * daemon → guard (guard's stdin):
 *   acquire                  standby guard only: add the VIP now; the lease starts now
 *   renew                    lease runs leaseMs from now
 *   renew <deadline-ms>      lease runs until min(deadline, now + leaseMs); deadline on CLOCK_MONOTONIC
 *                            in milliseconds (monotonicNowMs()), e.g. the Raft lease's own expiry
 *   garp                     send a gratuitous ARP now (held only)
 *   release                  remove the VIP now and exit
 *   (EOF: the daemon died or closed the pipe: remove the VIP now and exit)
 *
 * guard → daemon (guard's stdout):
 *   ready                    the guard is running (a standby guard now waits for "acquire")
 *   held                     the VIP is configured and announced; renewals are expected from now on
 *   released <reason>        the VIP has been removed; the guard exits 0 next
 *   failed <stage> <text>    adding or removing failed; after "failed remove" the guard exits 1 and
 *                            the VIP MAY STILL BE PRESENT
 */

export type VipGuardCommand =
  | { type: 'acquire' }
  | { type: 'renew'; leaseDeadlineMs: number | undefined }
  | { type: 'garp' }
  | { type: 'release' };

/** Why the guard let go of the VIP. */
export type VipReleaseReason =
  | 'release' // the daemon asked
  | 'lease-expired' // no renewal within the lease: the daemon is frozen, stuck or lost its Raft lease
  | 'parent-gone' // stdin EOF or reparenting: the daemon died (kill -9 closes the pipe)
  | 'signal' // SIGTERM/SIGINT/SIGHUP (service stop)
  | 'add-failed'; // adding failed; whatever was half done is undone

export const vipReleaseReasons: readonly VipReleaseReason[] = ['release', 'lease-expired', 'parent-gone', 'signal', 'add-failed'];

export type VipGuardEvent =
  | { type: 'ready' }
  | { type: 'held' }
  | { type: 'released'; reason: VipReleaseReason }
  | { type: 'failed'; stage: 'add' | 'remove'; message: string };

/** Parses one stdin line; undefined when it is not a command (the guard logs and ignores it). */
export function parseGuardCommand(line: string): VipGuardCommand | undefined {
  const words = line.trim().split(/\s+/);
  const [verb, argument, extra] = words;
  if (extra !== undefined) return undefined;
  switch (verb) {
    case 'acquire':
    case 'garp':
    case 'release':
      return argument === undefined ? { type: verb } : undefined;
    case 'renew': {
      if (argument === undefined) return { type: 'renew', leaseDeadlineMs: undefined };
      const leaseDeadlineMs = Number(argument);
      return /^\d+(\.\d+)?$/.test(argument) && Number.isFinite(leaseDeadlineMs) ? { type: 'renew', leaseDeadlineMs } : undefined;
    }
    default:
      return undefined;
  }
}

export function formatGuardCommand(command: VipGuardCommand): string {
  if (command.type === 'renew' && command.leaseDeadlineMs !== undefined) return `renew ${command.leaseDeadlineMs.toFixed(3)}\n`;
  return `${command.type}\n`;
}

/** Parses one stdout line of the guard; undefined when it is not an event. */
export function parseGuardEvent(line: string): VipGuardEvent | undefined {
  const match = /^(\S+)(?: (\S+))?(?: (.*))?$/.exec(line.trim());
  if (!match) return undefined;
  const [, verb, first, rest] = match;
  if ((verb === 'ready' || verb === 'held') && first === undefined) return { type: verb };
  if (verb === 'released' && rest === undefined && vipReleaseReasons.includes(first as VipReleaseReason)) {
    return { type: 'released', reason: first as VipReleaseReason };
  }
  if (verb === 'failed' && (first === 'add' || first === 'remove')) return { type: 'failed', stage: first, message: rest ?? '' };
  return undefined;
}

export function formatGuardEvent(event: VipGuardEvent): string {
  switch (event.type) {
    case 'ready':
    case 'held':
      return `${event.type}\n`;
    case 'released':
      return `released ${event.reason}\n`;
    case 'failed':
      // One line: the message may come from a command's stderr.
      return `failed ${event.stage} ${event.message.replace(/\s+/g, ' ').trim()}\n`;
  }
}
