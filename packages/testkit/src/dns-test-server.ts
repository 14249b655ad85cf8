import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import dnsPacket from 'dns-packet';

/**
 * A tiny authoritative DNS server on 127.0.0.1 (UDP, a port the kernel picks), so that tests of
 * outbound routing go through node's real resolver (c-ares) and the real wire format instead of a
 * mock of `node:dns`. The zone is a plain object; the answers follow RFC 1035 §4.1.1 and RFC 2308:
 *
 *   - an unknown name: NXDOMAIN (rcode 3), which node reports as ENOTFOUND;
 *   - a known name without records of the asked type: NOERROR and no answers ("NODATA", RFC 2308
 *     §2.2), which node reports as ENODATA;
 *   - 'SERVFAIL' / 'REFUSED': that rcode (ESERVFAIL / EREFUSED);
 *   - 'DROP': no reply at all, so the client times out (ETIMEOUT).
 *
 * Names are matched without regard to case (RFC 1035 §2.3.3) and without a trailing dot.
 * Encoding and decoding are dns-packet's; only the zone logic lives here.
 */
export type DnsTestZone = Record<string, DnsTestRecords | DnsTestFault>;

export type DnsTestFault = 'SERVFAIL' | 'REFUSED' | 'DROP';

export interface DnsTestRecords {
  MX?: ReadonlyArray<{ preference: number; exchange: string }>;
  A?: readonly string[];
  AAAA?: readonly string[];
  /** Each record's text; split into strings of at most 255 octets on the wire (RFC 1035 §3.3.14), as DKIM keys need. */
  TXT?: readonly string[];
}

/** One question as the server received it (for tests that want to see which lookups were made). */
export interface DnsTestQuery {
  name: string;
  type: string;
}

export class DnsTestServer {
  /** Every question received, in order. */
  readonly queries: DnsTestQuery[] = [];
  private readonly zone = new Map<string, DnsTestRecords | DnsTestFault>();

  private constructor(private readonly socket: Socket, readonly host: string, readonly port: number, zone: DnsTestZone) {
    for (const [name, entry] of Object.entries(zone)) this.zone.set(canonicalName(name), entry);
    socket.on('message', (message, remote) => this.answer(message, remote));
  }

  /** On 127.0.0.1 and a free port, unless told (an IPv4 address inside a test's network namespace). */
  static async start(zone: DnsTestZone, listen: { host?: string; port?: number } = {}): Promise<DnsTestServer> {
    const socket = createSocket('udp4');
    const host = listen.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(listen.port ?? 0, host, () => { socket.off('error', reject); resolve(); });
    });
    return new DnsTestServer(socket, host, socket.address().port, zone);
  }

  /** The "host:port" form that node's Resolver.setServers() takes. */
  get server(): string {
    return `${this.host}:${this.port}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  private answer(message: Buffer, remote: RemoteInfo): void {
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return; // not DNS: a real server would answer FORMERR, but nothing in the tests sends junk
    }
    const question = query.questions?.[0];
    if (!question) return;
    this.queries.push({ name: canonicalName(question.name), type: question.type });
    const entry = this.zone.get(canonicalName(question.name));
    if (entry === 'DROP') return;
    const reply = dnsPacket.encode({
      type: 'response',
      id: query.id ?? 0,
      // RFC 1035 §4.1.1: AA (we are the authority for the whole test zone), RD copied, and the rcode
      // in the low four bits.
      flags: dnsPacket.AUTHORITATIVE_ANSWER | ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | rcodeFor(entry),
      questions: [question],
      answers: typeof entry === 'object' ? answersFor(question, entry) : [],
    });
    this.socket.send(reply, remote.port, remote.address);
  }
}

/** RFC 1035 §4.1.1 RCODE values. */
const rcodeNoError = 0;
const rcodeServFail = 2;
const rcodeNxDomain = 3;
const rcodeRefused = 5;

function rcodeFor(entry: DnsTestRecords | DnsTestFault | undefined): number {
  if (entry === undefined) return rcodeNxDomain;
  if (entry === 'SERVFAIL') return rcodeServFail;
  if (entry === 'REFUSED') return rcodeRefused;
  return rcodeNoError;
}

const ttlSeconds = 60;

function answersFor(question: dnsPacket.Question, records: DnsTestRecords): dnsPacket.Answer[] {
  const name = question.name;
  switch (question.type) {
    case 'MX':
      return (records.MX ?? []).map((data) => ({ type: 'MX', name, ttl: ttlSeconds, data }));
    case 'A':
      return (records.A ?? []).map((data) => ({ type: 'A', name, ttl: ttlSeconds, data }));
    case 'AAAA':
      return (records.AAAA ?? []).map((data) => ({ type: 'AAAA', name, ttl: ttlSeconds, data }));
    case 'TXT':
      return (records.TXT ?? []).map((text) => ({ type: 'TXT', name, ttl: ttlSeconds, data: characterStrings(text) }));
    default:
      return [];
  }
}

function canonicalName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** A TXT record's text as <character-string>s of at most 255 octets. */
function characterStrings(text: string): Buffer[] {
  const bytes = Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += 255) parts.push(bytes.subarray(at, at + 255));
  return parts.length > 0 ? parts : [Buffer.alloc(0)];
}
