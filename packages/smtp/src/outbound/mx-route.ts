import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { limits } from '@tandem/config';

/**
 * Where to deliver mail for a domain (RFC 5321 §5.1): its MX hosts in the order to try them, each
 * with the addresses to connect to, or the domain's own addresses when it has no MX (the implicit
 * MX), or the address of an address literal. Every failure is one of two typed errors whose
 * enhanced status code (RFC 3463) the queue puts in the bounce or the deferral as it is:
 *
 *   - PermanentRouteError: the domain cannot receive mail (5.1.2, or 5.1.10 for a null MX); bounce.
 *   - TemporaryRouteError: DNS did not answer usefully (4.4.3); try again later.
 *
 * Anything else thrown (a TypeError, say) is a bug and is not turned into either.
 */

export interface RouteHost {
  /** The MX exchange (lower case, no trailing dot), the domain itself for an implicit MX, or an IP address. */
  host: string;
  preference: number;
  /** IPv4 then IPv6 literals to connect to, in order, without duplicates; never empty. */
  addresses: string[];
}

export interface Route {
  /** The destination as given, in lower case without a trailing dot. */
  domain: string;
  /** In the order to try them; never empty, at most limits.outboundMxHostsMax. */
  hosts: RouteHost[];
  /** No MX records: the domain's own A/AAAA records stand in for one MX of preference 0 (RFC 5321 §5.1). */
  implicit: boolean;
}

/**
 * The three questions routing asks, shaped like node's Resolver so that dnsLookup() is a thin wrapper.
 * Names may be U-labels (an SMTPUTF8 domain, RFC 6531): DNS carries A-labels only (RFC 5890
 * §2.3.2.1), and node's Resolver converts them (toASCII) before asking; another implementation must too.
 */
export interface DnsLookup {
  resolveMx(name: string): Promise<Array<{ exchange: string; priority: number }>>;
  resolve4(name: string): Promise<string[]>;
  resolve6(name: string): Promise<string[]>;
}

export interface DnsLookupOptions {
  /** Per try; default limits.outboundDnsTimeoutMs. Tests shorten it. */
  timeoutMs?: number;
  /** Default 2: one retransmission covers a lost UDP datagram. */
  tries?: number;
}

/**
 * Node's resolver (c-ares, no system cache) with our timeout. `servers` replaces the system's
 * (/etc/resolv.conf) and takes node's forms, "192.0.2.53", "127.0.0.1:5353", "[::1]:53".
 */
export function dnsLookup(servers?: string[], options: DnsLookupOptions = {}): DnsLookup {
  const resolver = new Resolver({ timeout: options.timeoutMs ?? limits.outboundDnsTimeoutMs, tries: options.tries ?? 2 });
  if (servers !== undefined) resolver.setServers(servers);
  return {
    resolveMx: (name) => resolver.resolveMx(name),
    resolve4: (name) => resolver.resolve4(name),
    resolve6: (name) => resolver.resolve6(name),
  };
}

/** The destination cannot receive mail; retrying will not change that. */
export class PermanentRouteError extends Error {
  override readonly name = 'PermanentRouteError';
  constructor(readonly domain: string, readonly status: '5.1.2' | '5.1.10', readonly reply: string, options?: ErrorOptions) {
    super(reply, options);
  }
}

/** DNS failed in a way that may pass (SERVFAIL, timeout, refused, no server reachable). */
export class TemporaryRouteError extends Error {
  override readonly name = 'TemporaryRouteError';
  constructor(readonly domain: string, readonly status: '4.4.3', readonly reply: string, options?: ErrorOptions) {
    super(reply, options);
  }
}

/**
 * The route for `domain`. `random` (uniform in [0, 1)) orders MX hosts of equal preference; it is
 * injected so that a test, or a replayed run, sees the same order for the same seed.
 */
export async function resolveRoute(domain: string, dns: DnsLookup, random: () => number): Promise<Route> {
  const name = normalizedName(domain);
  if (name === '') throw new PermanentRouteError(name, '5.1.2', `empty destination domain`);

  // RFC 5321 §4.1.3, §5.1: an address literal names the host itself; no DNS is consulted.
  if (name.startsWith('[')) {
    const address = addressLiteral(name);
    if (address === undefined) throw new PermanentRouteError(name, '5.1.2', `${name} is not an IPv4 or IPv6 address literal we can reach`);
    return { domain: name, hosts: [{ host: address, preference: 0, addresses: [address] }], implicit: false };
  }

  const records = await mxRecords(name, dns);
  if (records.length === 0) return implicitRoute(name, dns);

  // RFC 7505 §3: a single MX whose exchange is the root (".", which node reports as "") says the
  // domain accepts no mail; §4 tells the sender not to try and to report 5.1.10 (RFC 7504 §3's 556).
  // The same section forbids other MX records beside it; should some be there anyway, the real
  // hosts are used and the null one, which names no host, is dropped.
  const exchanges = records.filter((record) => normalizedName(record.exchange) !== '');
  if (exchanges.length === 0) throw new PermanentRouteError(name, '5.1.10', `${name} does not accept mail (null MX)`);

  return mxRoute(name, orderedHosts(exchanges, random), dns);
}

/** MX records, [] when the domain has none (NODATA); a missing domain is permanent, a DNS failure temporary. */
async function mxRecords(name: string, dns: DnsLookup): Promise<Array<{ exchange: string; priority: number }>> {
  try {
    return await dns.resolveMx(name);
  } catch (err) {
    switch (dnsOutcome(err)) {
      case 'noData': return [];
      case 'noName': throw new PermanentRouteError(name, '5.1.2', `${name} does not exist (DNS NXDOMAIN)`, { cause: err });
      case 'failure': throw temporaryFailure(name, `MX lookup for ${name} failed`, err);
    }
  }
}

/**
 * RFC 5321 §5.1: sort by preference, lowest first, and randomise among equal preferences to spread
 * the load. Then keep the first limits.outboundMxHostsMax, so a domain with hundreds of MX records
 * costs a bounded number of lookups and connection attempts; the shuffle comes before the cut so that
 * equal hosts beyond it still get their turn. A host listed twice is kept at its lowest preference.
 */
function orderedHosts(records: Array<{ exchange: string; priority: number }>, random: () => number): Array<{ host: string; preference: number }> {
  const byPreference = new Map<number, string[]>();
  for (const record of records) {
    const group = byPreference.get(record.priority) ?? [];
    group.push(normalizedName(record.exchange));
    byPreference.set(record.priority, group);
  }
  const ordered: Array<{ host: string; preference: number }> = [];
  const seen = new Set<string>();
  for (const preference of [...byPreference.keys()].sort((a, b) => a - b)) {
    for (const host of shuffled(byPreference.get(preference)!, random)) {
      if (seen.has(host)) continue;
      seen.add(host);
      ordered.push({ host, preference });
    }
  }
  return ordered.slice(0, limits.outboundMxHostsMax);
}

/** Fisher–Yates with the injected generator. */
function shuffled<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/**
 * Addresses for every MX host, asked in parallel (each host's A and AAAA too), so an attempt waits
 * one DNS timeout at worst rather than one per host. A host without addresses is skipped; RFC 5321
 * §5.1 makes "MX records present but none usable" an error, permanent when DNS said so for every
 * host, temporary when at least one lookup failed and might succeed next time.
 */
async function mxRoute(name: string, candidates: Array<{ host: string; preference: number }>, dns: DnsLookup): Promise<Route> {
  const lookups = await Promise.all(candidates.map((candidate) => hostAddresses(candidate.host, dns)));
  const hosts: RouteHost[] = [];
  let failure: unknown;
  candidates.forEach((candidate, i) => {
    const lookup = lookups[i]!;
    if (lookup.addresses.length > 0) hosts.push({ ...candidate, addresses: lookup.addresses });
    else failure ??= lookup.failure;
  });
  if (hosts.length > 0) return { domain: name, hosts, implicit: false };
  if (failure !== undefined) throw temporaryFailure(name, `no MX host of ${name} could be resolved`, failure);
  throw new PermanentRouteError(name, '5.1.2', `no MX host of ${name} has an address`);
}

/** RFC 5321 §5.1: no MX records, so the domain itself is the one host, at preference 0. */
async function implicitRoute(name: string, dns: DnsLookup): Promise<Route> {
  const lookup = await hostAddresses(name, dns);
  if (lookup.addresses.length > 0) return { domain: name, hosts: [{ host: name, preference: 0, addresses: lookup.addresses }], implicit: true };
  if (lookup.failure !== undefined) throw temporaryFailure(name, `address lookup for ${name} failed`, lookup.failure);
  throw new PermanentRouteError(name, '5.1.2', `${name} has no MX and no address records`);
}

interface AddressLookup {
  /** IPv4 first, then IPv6. */
  addresses: string[];
  /** Set when some lookup failed temporarily (the other may still have found addresses). */
  failure?: unknown;
}

async function hostAddresses(host: string, dns: DnsLookup): Promise<AddressLookup> {
  // Not allowed (RFC 5321 §5.1 wants a domain name in the exchange, RFC 1035 §3.3.9 a host name),
  // but some zones do put an address there and other MTAs deliver to it; so do we, as its own address.
  const literal = isIP(host) !== 0 ? host : host.startsWith('[') ? addressLiteral(host) : undefined;
  if (literal !== undefined) return { addresses: [literal] };

  const [v4, v6] = await Promise.all([addresses(() => dns.resolve4(host)), addresses(() => dns.resolve6(host))]);
  const found = [...new Set([...v4.addresses, ...v6.addresses])];
  const failure = v4.failure ?? v6.failure;
  return failure === undefined ? { addresses: found } : { addresses: found, failure };
}

async function addresses(resolve: () => Promise<string[]>): Promise<AddressLookup> {
  try {
    return { addresses: await resolve() };
  } catch (err) {
    if (dnsOutcome(err) === 'failure') return { addresses: [], failure: err };
    return { addresses: [] };
  }
}

/**
 * What a rejected lookup means. Node's DNS errors carry c-ares' codes (node:dns "Error codes"):
 * ENOTFOUND is NXDOMAIN, ENODATA an answer without records of the type (RFC 2308 §2.2 NODATA),
 * EBADNAME a name DNS cannot carry; all three are answers, and will be the same next time. Everything
 * else (ESERVFAIL, ETIMEOUT, EREFUSED, ECONNREFUSED, EBADRESP, EFORMERR, ENOTIMP, ECANCELLED, ...)
 * says the question went unanswered, which may pass. An error without a code is not from DNS: rethrown.
 */
function dnsOutcome(err: unknown): 'noName' | 'noData' | 'failure' {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string') throw err;
  if (code === 'ENOTFOUND' || code === 'EBADNAME') return 'noName';
  if (code === 'ENODATA') return 'noData';
  return 'failure';
}

/** RFC 3463 §3.5: X.4.3 "directory server failure" is the code for a DNS that did not answer. */
function temporaryFailure(name: string, what: string, err: unknown): TemporaryRouteError {
  const code = (err as NodeJS.ErrnoException | null)?.code ?? 'unknown error';
  return new TemporaryRouteError(name, '4.4.3', `${what}: ${code}`, { cause: err });
}

/**
 * RFC 5321 §4.1.3 address literals: "[192.0.2.1]" and "[IPv6:2001:db8::1]" (the tag is
 * case-insensitive, RFC 5234 §2.3). The general form ("[tag:content]") names nothing we can reach.
 */
function addressLiteral(literal: string): string | undefined {
  const inner = /^\[(.*)\]$/.exec(literal)?.[1];
  if (inner === undefined) return undefined;
  if (isIP(inner) === 4) return inner;
  const v6 = /^ipv6:(.*)$/i.exec(inner)?.[1];
  if (v6 !== undefined && isIP(v6) === 6) return v6; // already lower case: resolveRoute() lowered the whole domain
  return undefined;
}

/** Domain names compare without regard to case (RFC 1035 §2.3.3) and the root's trailing dot is implied. */
function normalizedName(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}
