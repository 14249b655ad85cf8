import { VipConfigError } from './vip-errors.js';

/**
 * A virtual IP as given in the config: an IPv4 address with its prefix length ("10.1.2.3/24").
 * IPv4 only: moving an address between machines on a LAN relies on gratuitous ARP (RFC 5227 §3);
 * an IPv6 VIP would need unsolicited Neighbor Advertisements (RFC 4861 §7.2.6), not done yet.
 */
export interface VipAddress {
  /** Dotted quad, no prefix: what ARP asks about. */
  readonly ip: string;
  readonly prefixLength: number;
  /** "ip/prefix": what `ip addr add` is given. */
  readonly cidr: string;
}

/** Parses "a.b.c.d/n" (or "a.b.c.d", taken as /32). Throws VipConfigError naming `setting`. */
export function parseVipAddress(text: string, setting = 'vip'): VipAddress {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(text.trim());
  if (!match) {
    throw new VipConfigError(setting, `${JSON.stringify(text)} is not an IPv4 address with a prefix, e.g. 192.0.2.10/24 (IPv6 VIPs are not supported)`);
  }
  const octets = match.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255)) throw new VipConfigError(setting, `${JSON.stringify(text)}: each part must be 0..255`);
  const prefixLength = match[5] === undefined ? 32 : Number(match[5]);
  if (prefixLength < 1 || prefixLength > 32) throw new VipConfigError(setting, `${JSON.stringify(text)}: prefix must be 1..32`);
  const first = octets[0] ?? 0;
  if (first === 0 || first === 127 || first >= 224) {
    throw new VipConfigError(setting, `${JSON.stringify(text)} cannot be a VIP (unspecified, loopback, multicast or reserved)`);
  }
  const ip = octets.join('.');
  return { ip, prefixLength, cidr: `${ip}/${prefixLength}` };
}

/** Linux interface names: at most 15 bytes (IFNAMSIZ - 1), no slash, colon or white space. */
export function parseInterfaceName(text: string, setting = 'dev'): string {
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(text)) {
    throw new VipConfigError(setting, `${JSON.stringify(text)} is not a network interface name (1-15 letters, digits, "_", "." or "-")`);
  }
  return text;
}
