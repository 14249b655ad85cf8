/**
 * Typed errors of the VIP machinery: the guard process, its actions (ip/arping or a hook script)
 * and the daemon-side client. Each carries its facts as fields, so callers never parse messages.
 */

/** A VIP setting (address, interface, lease, hook) is unusable; the guard exits with code 2. */
export class VipConfigError extends Error {
  override readonly name = 'VipConfigError';
  constructor(
    /** The option or setting at fault, e.g. "--vip". */
    readonly setting: string,
    readonly problem: string,
  ) {
    super(`${setting}: ${problem}`);
  }
}

/** A command that adds, removes or announces the VIP failed, timed out or could not be started. */
export class VipCommandError extends Error {
  override readonly name = 'VipCommandError';
  constructor(
    readonly command: string,
    readonly args: readonly string[],
    /** Exit code, or null when the command was killed (timeout) or never started. */
    readonly exitCode: number | null,
    readonly signal: string | null,
    /** The last part of its stderr (or the spawn error), for the log. */
    readonly stderr: string,
    readonly timedOut: boolean,
  ) {
    const how = timedOut ? 'timed out' : exitCode !== null ? `exited with ${exitCode}` : signal ? `killed by ${signal}` : 'could not start';
    super(`${command} ${args.join(' ')} ${how}${stderr ? `: ${stderr.trim()}` : ''}`);
  }
}

/** The guard process ended before it reported what was asked of it (e.g. before "held"). */
export class VipGuardExitedError extends Error {
  override readonly name = 'VipGuardExitedError';
  constructor(
    readonly exitCode: number | null,
    readonly signal: string | null,
    /** What the guard said last on stderr: usually the reason. */
    readonly stderrTail: string,
  ) {
    super(`the VIP guard exited (${exitCode !== null ? `code ${exitCode}` : `signal ${signal ?? '?'}`}) before it held the VIP${stderrTail ? `: ${stderrTail.trim()}` : ''}`);
  }
}

/** The guard did not answer within the time allowed (start or stop). */
export class VipGuardTimeoutError extends Error {
  override readonly name = 'VipGuardTimeoutError';
  constructor(
    readonly operation: 'prepare' | 'start' | 'release' | 'stop',
    readonly timeoutMs: number,
  ) {
    super(`the VIP guard did not complete ${operation} within ${timeoutMs} ms`);
  }
}

/** The client was asked for something its current state does not allow (e.g. start() twice). */
export class VipGuardStateError extends Error {
  override readonly name = 'VipGuardStateError';
  constructor(
    readonly operation: string,
    readonly state: string,
  ) {
    super(`cannot ${operation} while the VIP guard client is ${state}`);
  }
}
