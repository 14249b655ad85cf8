// Goal: resolveRoute() follows RFC 5321 §5.1 and RFC 7505 against a real DNS server on loopback: MX order and equal-preference shuffle (seeded; TEST_SEED=n replays), the hosts cap, null MX, implicit MX, address literals, and which failures are permanent (5.x) or temporary (4.4.3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { limits } from '@tandem/config';
import { DnsTestServer, mulberry32, type DnsTestZone } from '@tandem/testkit';
import { dnsLookup, PermanentRouteError, resolveRoute, TemporaryRouteError, type DnsLookup, type Route } from './mx-route.js';

const seed = process.env['TEST_SEED'] ? Number(process.env['TEST_SEED']) : Math.floor(Math.random() * 2 ** 31);

const zone: DnsTestZone = {
  // Listed out of order, so that only sorting puts them right.
  'ordered.test': { MX: [{ preference: 30, exchange: 'c.ordered.test' }, { preference: 10, exchange: 'a.ordered.test' }, { preference: 20, exchange: 'b.ordered.test' }] },
  'a.ordered.test': { A: ['192.0.2.1'], AAAA: ['2001:db8::1'] },
  'b.ordered.test': { A: ['192.0.2.2'] },
  'c.ordered.test': { AAAA: ['2001:db8::3'] },
  'equal.test': {
    MX: [
      { preference: 20, exchange: 'last.equal.test' },
      { preference: 10, exchange: 'e1.equal.test' }, { preference: 10, exchange: 'e2.equal.test' }, { preference: 10, exchange: 'e3.equal.test' },
    ],
  },
  'e1.equal.test': { A: ['192.0.2.11'] },
  'e2.equal.test': { A: ['192.0.2.12'] },
  'e3.equal.test': { A: ['192.0.2.13'] },
  'last.equal.test': { A: ['192.0.2.19'] },
  'many.test': { MX: [80, 70, 60, 50, 40, 30, 20, 10].map((p) => ({ preference: p, exchange: `mx${p}.many.test` })) },
  ...Object.fromEntries([10, 20, 30, 40, 50, 60, 70, 80].map((p) => [`mx${p}.many.test`, { A: [`192.0.2.${100 + p}`] }])),
  // The A record is there to show that a null MX is not followed by the implicit MX.
  'nullmx.test': { MX: [{ preference: 0, exchange: '.' }], A: ['192.0.2.50'] },
  // RFC 7505 §3 forbids this; the real host is used.
  'mixednull.test': { MX: [{ preference: 0, exchange: '.' }, { preference: 10, exchange: 'mx.mixednull.test' }] },
  'mx.mixednull.test': { A: ['192.0.2.51'] },
  'implicit.test': { A: ['192.0.2.20'], AAAA: ['2001:db8::20'] },
  'nothing.test': {},
  'servfail.test': 'SERVFAIL',
  'refused.test': 'REFUSED',
  'silent.test': 'DROP',
  'skip.test': { MX: [{ preference: 10, exchange: 'gone.skip.test' }, { preference: 20, exchange: 'empty.skip.test' }, { preference: 30, exchange: 'mx.skip.test' }] },
  'empty.skip.test': {},
  'mx.skip.test': { A: ['192.0.2.30'] },
  'deadend.test': { MX: [{ preference: 10, exchange: 'gone.deadend.test' }, { preference: 20, exchange: 'empty.deadend.test' }] },
  'empty.deadend.test': {},
  'flaky.test': { MX: [{ preference: 10, exchange: 'broken.flaky.test' }, { preference: 20, exchange: 'gone.flaky.test' }] },
  'broken.flaky.test': 'SERVFAIL',
  'partial.test': { MX: [{ preference: 10, exchange: 'broken.partial.test' }, { preference: 20, exchange: 'ok.partial.test' }] },
  'broken.partial.test': 'SERVFAIL',
  'ok.partial.test': { A: ['192.0.2.40'] },
  'iplit.test': { MX: [{ preference: 10, exchange: '192.0.2.7' }] },
  'case.test': { MX: [{ preference: 10, exchange: 'MX.Case.Test' }] },
  'mx.case.test': { A: ['192.0.2.60'] },
  'xn--bcher-kva.test': { A: ['192.0.2.70'] },
};

let server: DnsTestServer;
let dns: DnsLookup;

test.before(async () => {
  server = await DnsTestServer.start(zone);
  dns = dnsLookup([server.server], { timeoutMs: 1_000, tries: 2 });
});
test.after(() => server.close());

const fixed = () => 0;

async function permanent(domain: string, status: string, lookup: DnsLookup = dns): Promise<void> {
  await assert.rejects(resolveRoute(domain, lookup, fixed), (err: unknown) => {
    assert.ok(err instanceof PermanentRouteError, `expected PermanentRouteError, got ${String(err)}`);
    assert.equal(err.status, status);
    return true;
  });
}

async function temporary(domain: string, causeCode: string, lookup: DnsLookup = dns): Promise<void> {
  await assert.rejects(resolveRoute(domain, lookup, fixed), (err: unknown) => {
    assert.ok(err instanceof TemporaryRouteError, `expected TemporaryRouteError, got ${String(err)}`);
    assert.equal(err.status, '4.4.3');
    assert.equal((err.cause as NodeJS.ErrnoException).code, causeCode);
    return true;
  });
}

test('MX hosts come in preference order, each with its IPv4 then IPv6 addresses', async () => {
  assert.deepEqual(await resolveRoute('ordered.test', dns, fixed), {
    domain: 'ordered.test',
    implicit: false,
    hosts: [
      { host: 'a.ordered.test', preference: 10, addresses: ['192.0.2.1', '2001:db8::1'] },
      { host: 'b.ordered.test', preference: 20, addresses: ['192.0.2.2'] },
      { host: 'c.ordered.test', preference: 30, addresses: ['2001:db8::3'] },
    ],
  } satisfies Route);
});

test('the domain is compared and returned in lower case without its trailing dot, MX names too', async () => {
  const route = await resolveRoute('CASE.Test.', dns, fixed);
  assert.equal(route.domain, 'case.test');
  assert.deepEqual(route.hosts, [{ host: 'mx.case.test', preference: 10, addresses: ['192.0.2.60'] }]);
});

test(`equal preferences are shuffled by the injected random, reproducibly (seed ${seed})`, async () => {
  const rounds = 150;
  const random = mulberry32(seed);
  const firsts = new Map<string, number>();
  for (let i = 0; i < rounds; i++) {
    const hosts = (await resolveRoute('equal.test', dns, random)).hosts.map((h) => h.host);
    // The shuffle stays inside the preference: the three 10s first, in some order, then the 20.
    assert.deepEqual([...hosts.slice(0, 3)].sort(), ['e1.equal.test', 'e2.equal.test', 'e3.equal.test'], `seed ${seed} round ${i}`);
    assert.equal(hosts[3], 'last.equal.test', `seed ${seed} round ${i}`);
    firsts.set(hosts[0]!, (firsts.get(hosts[0]!) ?? 0) + 1);
  }
  // Each of the three leads about a third of the time (50 of 150; below 25 is more than 4 standard deviations off).
  for (const host of ['e1.equal.test', 'e2.equal.test', 'e3.equal.test']) {
    assert.ok((firsts.get(host) ?? 0) >= 25, `seed ${seed}: ${host} first ${firsts.get(host) ?? 0} times of ${rounds}`);
  }
  // The same seed gives the same order.
  const again = async () => (await resolveRoute('equal.test', dns, mulberry32(seed))).hosts.map((h) => h.host);
  assert.deepEqual(await again(), await again(), `seed ${seed}`);
});

test(`at most limits.outboundMxHostsMax (${limits.outboundMxHostsMax}) hosts are kept, the most preferred`, async () => {
  const route = await resolveRoute('many.test', dns, fixed);
  assert.deepEqual(route.hosts.map((h) => h.preference), [10, 20, 30, 40, 50].slice(0, limits.outboundMxHostsMax));
  assert.ok(limits.outboundMxHostsMax < 8, 'the zone must have more MX records than the cap');
});

test('a null MX (RFC 7505) is permanent 5.1.10, even with an A record beside it', async () => {
  await permanent('nullmx.test', '5.1.10');
});

test('a null MX beside other MX records is dropped and the others are used', async () => {
  const route = await resolveRoute('mixednull.test', dns, fixed);
  assert.deepEqual(route.hosts, [{ host: 'mx.mixednull.test', preference: 10, addresses: ['192.0.2.51'] }]);
});

test('no MX records: the implicit MX is the domain itself at preference 0 (RFC 5321 §5.1)', async () => {
  assert.deepEqual(await resolveRoute('implicit.test', dns, fixed), {
    domain: 'implicit.test',
    implicit: true,
    hosts: [{ host: 'implicit.test', preference: 0, addresses: ['192.0.2.20', '2001:db8::20'] }],
  } satisfies Route);
});

test('an internationalised domain is asked in its A-label form (node\'s resolver behind dnsLookup converts it)', async () => {
  const route = await resolveRoute('bücher.test', dns, fixed);
  assert.deepEqual(route.hosts.map((h) => h.addresses), [['192.0.2.70']]);
});

test('no MX and no address records is permanent 5.1.2', async () => {
  await permanent('nothing.test', '5.1.2');
});

test('a domain that does not exist (NXDOMAIN) is permanent 5.1.2', async () => {
  await permanent('no-such-domain.test', '5.1.2');
});

test('SERVFAIL is temporary 4.4.3', async () => {
  await temporary('servfail.test', 'ESERVFAIL');
});

test('REFUSED is temporary 4.4.3', async () => {
  await temporary('refused.test', 'EREFUSED');
});

test('a server that never answers is temporary 4.4.3 once the timeout passes', async () => {
  const quick = dnsLookup([server.server], { timeoutMs: 300, tries: 1 });
  const startedMs = performance.now();
  await temporary('silent.test', 'ETIMEOUT', quick);
  assert.ok(performance.now() - startedMs < 5_000, 'the timeout option was not applied');
});

test('no DNS server listening (ICMP port unreachable) is temporary 4.4.3', async () => {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  await temporary('ordered.test', 'ECONNREFUSED', dnsLookup([`127.0.0.1:${port}`], { timeoutMs: 300, tries: 1 }));
});

test('address literals route to the address itself without asking DNS (RFC 5321 §4.1.3)', async () => {
  const asked = server.queries.length;
  assert.deepEqual(await resolveRoute('[192.0.2.1]', dns, fixed), {
    domain: '[192.0.2.1]', implicit: false, hosts: [{ host: '192.0.2.1', preference: 0, addresses: ['192.0.2.1'] }],
  } satisfies Route);
  assert.deepEqual(await resolveRoute('[IPv6:2001:DB8::1]', dns, fixed), {
    domain: '[ipv6:2001:db8::1]', implicit: false, hosts: [{ host: '2001:db8::1', preference: 0, addresses: ['2001:db8::1'] }],
  } satisfies Route);
  assert.equal(server.queries.length, asked);
});

test('an address literal that is not IPv4 or IPv6 is permanent 5.1.2', async () => {
  await permanent('[300.1.2.3]', '5.1.2');
  await permanent('[IPv6:192.0.2.1]', '5.1.2');
  await permanent('[x400:c=gb]', '5.1.2');
});

test('MX hosts without addresses (NXDOMAIN, NODATA) are skipped', async () => {
  const route = await resolveRoute('skip.test', dns, fixed);
  assert.deepEqual(route.hosts, [{ host: 'mx.skip.test', preference: 30, addresses: ['192.0.2.30'] }]);
});

test('an MX host whose lookup fails is skipped when another has addresses', async () => {
  const route = await resolveRoute('partial.test', dns, fixed);
  assert.deepEqual(route.hosts, [{ host: 'ok.partial.test', preference: 20, addresses: ['192.0.2.40'] }]);
});

test('MX hosts that all lack addresses are permanent 5.1.2 (RFC 5321 §5.1)', async () => {
  await permanent('deadend.test', '5.1.2');
});

test('MX hosts without addresses where one lookup failed are temporary 4.4.3', async () => {
  await temporary('flaky.test', 'ESERVFAIL');
});

test('an MX exchange written as an IP address is used as that address', async () => {
  const route = await resolveRoute('iplit.test', dns, fixed);
  assert.deepEqual(route.hosts, [{ host: '192.0.2.7', preference: 10, addresses: ['192.0.2.7'] }]);
});
