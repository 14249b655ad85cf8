/** Typed errors of the network-namespace harness. */

/** The harness needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN) to make namespaces, veths and bridges. */
export class NetnsPermissionError extends Error {
  override readonly name = 'NetnsPermissionError';
  constructor(readonly uid: number | undefined) {
    super(
      `the cluster tests need root for ip netns (network namespaces, veth pairs, bridges); this process runs as uid ${uid ?? '?'}. ` +
        'Run them as root, e.g. `sudo npm run test:cluster` (CI runs as root).',
    );
  }
}

/** A program the harness needs is not installed. */
export class NetnsToolMissingError extends Error {
  override readonly name = 'NetnsToolMissingError';
  constructor(
    readonly tool: string,
    readonly debianPackage: string,
  ) {
    super(`the cluster tests need \`${tool}\`: apt-get install -y ${debianPackage} (.ci/run installs it)`);
  }
}

/** A command run by the harness (or in one of its hosts) failed. */
export class NetnsCommandError extends Error {
  override readonly name = 'NetnsCommandError';
  constructor(
    readonly command: readonly string[],
    readonly exitCode: number | null,
    readonly signal: string | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`${command.join(' ')} failed (${exitCode !== null ? `exit ${exitCode}` : `signal ${signal ?? '?'}`})${stderr.trim() ? `: ${stderr.trim().slice(-500)}` : ''}`);
  }
}

/** Something awaited in a namespace did not happen in time (the message says what). */
export class NetnsTimeoutError extends Error {
  override readonly name = 'NetnsTimeoutError';
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
  ) {
    super(`${what}: not within ${timeoutMs} ms`);
  }
}

/**
 * A wait that assumed a member stays leader found it is not any more: leadership moved without the
 * test moving it (a lease that ran out, an election). Said at once, with what each member reported,
 * instead of waiting out the timeout for something that can no longer happen.
 */
export class LeadershipMovedError extends Error {
  override readonly name = 'LeadershipMovedError';
  constructor(
    readonly expectedLeader: string,
    readonly seen: string,
  ) {
    super(`${expectedLeader} is no longer the leader, though nothing in the test moved leadership (${seen})`);
  }
}
