/**
 * The `outbound` section: how mail for other domains leaves (packages/smtp/src/outbound/). Absent,
 * outbound delivery is off and submission refuses remote recipients with a reply that says so.
 *
 *   "outbound": {}                                   direct delivery to each domain's MX (RFC 5321 §5.1)
 *   "outbound": { "relay": { "host": "smtp.provider.example", "port": 587, "tls": "starttls",
 *                            "user": "tandem", "passwordFile": "/etc/tandem/relay.pass" } }
 *                                                    everything through one smart host
 */
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import type { Checker, Tree } from './config-checker.js';

/** How a connection to a relay is protected: STARTTLS (RFC 3207), implicit TLS (RFC 8314), or none (loopback only). */
export type RelayTls = 'starttls' | 'tls' | 'none';
export const relayTlsModes: readonly RelayTls[] = ['starttls', 'tls', 'none'];

export interface RelayConfig {
  host: string;
  port: number;
  tls: RelayTls;
  /** Check the relay's certificate against the system's CAs and its host name (default true). */
  tlsVerify: boolean;
  /** AUTH (RFC 4954), only over TLS. */
  user: string | undefined;
  passwordFile: string | undefined;
}

/** A DKIM key (RFC 6376) for mail whose From is in `domain`: d=domain, s=selector. */
export interface DkimKeyConfig { domain: string; selector: string; privateKeyFile: string }

export interface OutboundConfig {
  /** Absent: direct delivery to the recipients' MX hosts. */
  relay: RelayConfig | undefined;
  /** The port of MX hosts (25; another only for a test bed or a network that maps it). */
  mxPort: number;
  /** DNS servers for MX lookups ("10.0.0.53" or "10.0.0.53:5353"); absent: the system's (/etc/resolv.conf). */
  dnsServers: string[] | undefined;
  /** DKIM signing keys, by From domain; [] signs nothing. */
  dkim: DkimKeyConfig[];
}

export function readOutbound(check: Checker, tree: Tree, baseDir: string): OutboundConfig | undefined {
  if (tree.outbound === undefined) return undefined;
  const o = check.object(tree, 'outbound', 'outbound', ['relay', 'mxPort', 'dnsServers', 'dkim']);
  const mxPort = check.integer(o, 'mxPort', 'outbound.mxPort', 1, 65535, 25);
  let dnsServers: string[] | undefined;
  if (o.dnsServers !== undefined) {
    if (!Array.isArray(o.dnsServers) || o.dnsServers.length === 0) {
      check.fail('outbound.dnsServers', 'must be a non-empty array of addresses like "10.0.0.53" or "10.0.0.53:5353"');
    } else {
      dnsServers = [];
      o.dnsServers.forEach((item: unknown, i) => {
        const m = typeof item === 'string' ? /^(?:\[([0-9a-f:.]+)\]|([0-9.]+))(?::(\d{1,5}))?$|^([0-9a-f:]+)$/i.exec(item) : null;
        const host = m ? (m[1] ?? m[2] ?? m[4]) : undefined;
        const port = m?.[3] !== undefined ? Number(m[3]) : 53;
        if (host === undefined || isIP(host) === 0 || port < 1 || port > 65535) {
          check.fail(`outbound.dnsServers[${i}]`, `must be an IP address with an optional port ("10.0.0.53", "10.0.0.53:5353", "[2001:db8::53]:53"), got ${JSON.stringify(item)}`);
        } else {
          dnsServers!.push(item as string);
        }
      });
    }
  }
  return { relay: o.relay === undefined ? undefined : readRelay(check, o, baseDir), mxPort, dnsServers, dkim: readDkim(check, o, baseDir) };
}

const labelRe = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

function readDkim(check: Checker, outbound: Tree, baseDir: string): DkimKeyConfig[] {
  const value = outbound.dkim;
  if (value === undefined) return [];
  if (!Array.isArray(value)) return check.fail('outbound.dkim', 'must be a list of { "domain", "selector", "privateKeyFile" }') ?? [];
  const keys: DkimKeyConfig[] = [];
  value.forEach((item: unknown, i) => {
    const key = `outbound.dkim[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) { check.fail(key, 'must be { "domain", "selector", "privateKeyFile" }'); return; }
    const k = check.object(outbound.dkim as unknown as Tree, String(i), key, ['domain', 'selector', 'privateKeyFile']);
    const domain = check.string(k, 'domain', `${key}.domain`, undefined)?.toLowerCase();
    const selector = check.string(k, 'selector', `${key}.selector`, undefined);
    const file = check.string(k, 'privateKeyFile', `${key}.privateKeyFile`, undefined);
    if (domain === undefined || !domain.split('.').every((l) => labelRe.test(l)) || !domain.includes('.')) check.fail(`${key}.domain`, `must be a domain like "example.com", got ${JSON.stringify(k.domain)}`);
    // RFC 6376 §3.1: a selector is one or more DNS labels.
    if (selector === undefined || !selector.split('.').every((l) => labelRe.test(l))) check.fail(`${key}.selector`, `must be DNS labels like "tandem2026", got ${JSON.stringify(k.selector)}`);
    if (file === undefined) check.fail(`${key}.privateKeyFile`, 'required (PEM private key; `tandem dkim keygen` makes one)');
    if (domain !== undefined && keys.some((other) => other.domain === domain)) check.fail(`${key}.domain`, `${domain} has a key already; one key per domain`);
    if (domain !== undefined && selector !== undefined && file !== undefined) keys.push({ domain, selector, privateKeyFile: resolve(baseDir, file) });
  });
  return keys;
}

function readRelay(check: Checker, outbound: Tree, baseDir: string): RelayConfig | undefined {
  const r = check.object(outbound, 'relay', 'outbound.relay', ['host', 'port', 'tls', 'tlsVerify', 'user', 'passwordFile']);
  const host = check.string(r, 'host', 'outbound.relay.host', undefined);
  if (host === undefined && r.host === undefined) check.fail('outbound.relay.host', 'required (the relay\'s host name or address)');
  const tls = check.string(r, 'tls', 'outbound.relay.tls', 'starttls') as RelayTls;
  if (!relayTlsModes.includes(tls)) check.fail('outbound.relay.tls', `must be one of ${relayTlsModes.join(', ')}, got ${JSON.stringify(tls)}`);
  const port = check.integer(r, 'port', 'outbound.relay.port', 1, 65535, tls === 'tls' ? 465 : 587);
  const tlsVerify = check.boolean(r, 'tlsVerify', 'outbound.relay.tlsVerify', true);
  const user = check.string(r, 'user', 'outbound.relay.user', undefined);
  const passwordFileRaw = check.string(r, 'passwordFile', 'outbound.relay.passwordFile', undefined);
  if ((user === undefined) !== (passwordFileRaw === undefined)) {
    check.fail(user === undefined ? 'outbound.relay.user' : 'outbound.relay.passwordFile', 'user and passwordFile go together (AUTH to the relay needs both)');
  }
  // DESIGN §7: a password never crosses a network in clear; without TLS only a relay on this machine.
  const loopback = host === 'localhost' || host === '::1' || /^127\./.test(host ?? '');
  if (tls === 'none' && !loopback) check.fail('outbound.relay.tls', `"none" is allowed only for a relay on this machine (127.0.0.1, ::1, localhost), not ${JSON.stringify(host)}`);
  if (host === undefined) return undefined;
  return {
    host, port, tls, tlsVerify, user,
    passwordFile: passwordFileRaw === undefined ? undefined : resolve(baseDir, passwordFileRaw),
  };
}
