/**
 * The VIP guard process: holds the virtual IP on behalf of tandemd and lets go of it by itself.
 * tandemd spawns it (VipGuardClient) and renews a lease over its stdin; the guard removes the VIP
 * at once when the lease runs out (daemon frozen by SIGSTOP, stuck, or its Raft lease lost), when
 * stdin reaches EOF (daemon killed: kill -9 closes the pipe), on "release", or on SIGTERM/SIGINT/SIGHUP.
 * The kernel itself would keep the address forever after a dead daemon (DESIGN §4).
 *
 *   node --import tsx vip-guard-main.ts --vip 10.0.0.5/24 --dev eth0 --lease-ms 3000 [--hook SCRIPT]
 *
 * Exit codes: 0 released, 1 removal failed (VIP may remain; logged loudly), 2 bad arguments,
 * 70 internal error (the VIP is removed synchronously first).
 */
import { HookVipActions } from './hook-vip-actions.js';
import { IpVipActions } from './ip-vip-actions.js';
import { LineSplitter } from './line-splitter.js';
import { monotonicNowMs } from './monotonic-clock.js';
import type { VipActions } from './vip-actions.js';
import { VipConfigError } from './vip-errors.js';
import { VipGuard, type VipGuardLogLevel } from './vip-guard.js';
import { parseVipGuardArgs, type VipGuardSettings } from './vip-guard-args.js';
import { vipGuardLimits } from './vip-guard-limits.js';
import { formatGuardEvent, parseGuardCommand } from './vip-guard-protocol.js';

/** How often the guard checks that its parent is still the one that started it (a backstop to EOF). */
const parentCheckIntervalMs = 250;

function log(level: VipGuardLogLevel, message: string): void {
  process.stderr.write(`vip-guard[${process.pid}] ${level}: ${message}\n`);
}

function main(): void {
  let settings: VipGuardSettings;
  try {
    settings = parseVipGuardArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof VipConfigError)) throw err;
    log('error', err.message);
    process.exit(2);
  }
  const actions: VipActions = settings.hook !== undefined
    ? new HookVipActions({ hook: settings.hook, vip: settings.vip, dev: settings.dev, timeoutMs: settings.hookTimeoutMs })
    : new IpVipActions({ vip: settings.vip, dev: settings.dev });
  const guard = new VipGuard({
    actions,
    leaseMs: settings.leaseMs,
    garpIntervalMs: settings.garpIntervalMs,
    timers: { nowMs: monotonicNowMs, setTimer: (callback, delayMs) => setTimeout(callback, delayMs), clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout) },
    log,
    // stdout to a pipe is synchronous on Linux, so a line written here is out before process.exit.
    emit: (event) => process.stdout.write(formatGuardEvent(event)),
  });
  installLastDitch(guard, actions);
  // The daemon reads our stdout; if it is gone, writes fail with EPIPE. Its death is handled through
  // stdin EOF, so write errors are not fatal.
  process.stdout.on('error', () => {});

  const splitter = new LineSplitter(vipGuardLimits.protocolLineBytesMax, (lengthBytes) => log('warn', `ignored a ${lengthBytes}-byte line on stdin (limit ${vipGuardLimits.protocolLineBytesMax})`));
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    for (const line of splitter.push(chunk)) {
      const command = parseGuardCommand(line);
      if (command) guard.handle(command);
      else log('warn', `ignored an unknown command on stdin: ${JSON.stringify(line.slice(0, 80))}`);
    }
  });
  const parentGone = (): void => void guard.release('parent-gone');
  process.stdin.on('end', parentGone);
  process.stdin.on('close', parentGone);
  process.stdin.on('error', parentGone);
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => void guard.release('signal'));
  const parentPid = process.ppid;
  setInterval(() => {
    if (process.ppid !== parentPid) parentGone();
  }, parentCheckIntervalMs).unref();

  log('info', `started for ${actions.description}; lease ${settings.leaseMs} ms${settings.standby ? '; standby until "acquire"' : ''}`);
  process.stdout.write(formatGuardEvent({ type: 'ready' }));
  if (!settings.standby) guard.acquire();
  void guard.done.then((outcome) => process.exit(outcome.type === 'released' ? 0 : 1));
}

/** A bug must not leave the VIP behind: remove it synchronously, then die. */
function installLastDitch(guard: VipGuard, actions: VipActions): void {
  const die = (err: unknown): void => {
    log('error', `internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    if (guard.mayHoldVip) {
      try {
        actions.removeSync();
        log('error', 'removed the VIP before exiting');
      } catch (removeErr) {
        log('error', `could not remove the VIP: ${String(removeErr)}; remove it by hand (deploy/vip-release.sh)`);
      }
    }
    process.exit(70);
  };
  process.on('uncaughtException', die);
  process.on('unhandledRejection', die);
}

main();
