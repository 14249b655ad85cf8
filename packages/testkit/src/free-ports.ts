import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';

/**
 * Ports for test processes that must be told their ports before they start (Raft peers, tandemd's
 * config) and may be restarted on them.
 *
 * Taken below the kernel's ephemeral range (net.ipv4.ip_local_port_range), which outgoing
 * connections and port-0 listeners draw from: a port the kernel hands out there can be taken by
 * anything between this check and the real listen — a parallel test's client socket, say, which
 * made a test member fail with EADDRINUSE. Below the range only another caller of this function
 * could pick the same port, and a random pick plus a bind check makes that rare. Every port is held
 * until all are known, so they are distinct.
 */
export async function freePorts(count: number, options: FreePortsOptions = {}): Promise<number[]> {
  const host = options.host ?? '127.0.0.1';
  const [low, high] = options.range ?? [lowestPort, ephemeralRangeStart()];
  const held: Server[] = [];
  try {
    for (let attempts = 0; held.length < count; attempts++) {
      if (attempts >= attemptsMax) throw new Error(`no ${count} free ports between ${low} and ${high} on ${host} after ${attemptsMax} tries`);
      const port = randomInt(low, high);
      const server = await listening(port, host);
      if (server) held.push(server); // (a port picked twice is in use the second time)
    }
    return held.map((s) => (s.address() as { port: number }).port);
  } finally {
    await Promise.all(held.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

export interface FreePortsOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Where to pick, [low, high); default from 10,000 to the start of the ephemeral range. */
  range?: [number, number];
}

/** One port (see freePorts). */
export async function freePort(options: FreePortsOptions = {}): Promise<number> {
  return (await freePorts(1, options))[0]!;
}

const lowestPort = 10_000;
const attemptsMax = 1_000;

/** The first port of the ephemeral range (Linux), or the IANA one (RFC 6335 §6) where there is no such file. */
function ephemeralRangeStart(): number {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(first) && first > 0) return first;
  } catch { /* not Linux */ }
  return 49_152;
}

/** A server listening on `port`, or undefined when the port is taken. */
function listening(port: number, host: string): Promise<Server | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' || err.code === 'EACCES' ? resolve(undefined) : reject(err)));
    server.listen(port, host, () => resolve(server));
  });
}
