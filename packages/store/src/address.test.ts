// Goal: addresses parse per RFC 5321/5322 dot-atom rules, domains lower-case, and local users get path-safe names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalAddress, parseAddress, parseAliasSource, parseDomain, parseLocalAddress } from './address.js';
import { InvalidAddressError } from './store-errors.js';

test('parseAddress keeps the local part and lower-cases the domain', () => {
  assert.deepEqual(parseAddress('John.Doe@Example.TEST'), { localPart: 'John.Doe', domain: 'example.test', address: 'John.Doe@example.test' });
  assert.equal(parseAddress("o'brien+tag@x.org").localPart, "o'brien+tag");
  assert.equal(parseAddress('用户@例子.测试').domain, '例子.测试');
  assert.equal(canonicalAddress('John.Doe@Example.TEST'), 'john.doe@example.test');
});

test('parseAddress refuses what it cannot safely handle', () => {
  const bad = ['', 'plain', '@x.org', 'a@', 'a@@x.org', '.a@x.org', 'a.@x.org', 'a..b@x.org', 'a b@x.org', '"a b"@x.org',
    'a@[192.0.2.1]', 'a@-x.org', 'a@x..org', 'a@x.org.', 'a@x_y.org', `${'a'.repeat(65)}@x.org`, `a@${'b'.repeat(64)}.org`,
    `a@${'b.'.repeat(130)}org`, 'a(b)@x.org', 'a\u0000@x.org', 'a@x\u0000.org'];
  for (const input of bad) assert.throws(() => parseAddress(input), InvalidAddressError, JSON.stringify(input));
});

test('local users: canonical, and never a path separator', () => {
  assert.deepEqual(parseLocalAddress('Demo@Example.test'), { localPart: 'demo', domain: 'example.test', address: 'demo@example.test' });
  assert.throws(() => parseLocalAddress('a/b@x.org'), InvalidAddressError);
  assert.throws(() => parseLocalAddress('../x@x.org'), InvalidAddressError);
  assert.throws(() => parseDomain('..'), InvalidAddressError);
  assert.throws(() => parseDomain('a/b'), InvalidAddressError);
});

test('alias sources: an address or a catch-all "@domain"', () => {
  assert.deepEqual(parseAliasSource('@Example.test'), { source: '@example.test', domain: 'example.test', catchAll: true });
  assert.deepEqual(parseAliasSource('Info@Example.test'), { source: 'info@example.test', domain: 'example.test', catchAll: false });
  assert.throws(() => parseAliasSource('@'), InvalidAddressError);
});

test('parseAddress remembers good parses (the same frozen object) and never a failure', () => {
  const first = parseAddress('Cache.Me@Example.TEST');
  assert.equal(parseAddress('Cache.Me@Example.TEST'), first);
  assert.ok(Object.isFrozen(first));
  assert.deepEqual({ ...first }, { localPart: 'Cache.Me', domain: 'example.test', address: 'Cache.Me@example.test' });
  assert.throws(() => parseAddress('bad..dot@example.test'), /empty atom/);
  assert.throws(() => parseAddress('bad..dot@example.test'), /empty atom/);
});
