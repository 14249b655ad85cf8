// Goal: VIP and interface settings are parsed exactly, and every unusable value is refused with the setting named.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseInterfaceName, parseVipAddress } from './vip-address.js';
import { VipConfigError } from './vip-errors.js';

test('parseVipAddress: "10.1.2.3/24" gives ip, prefix and cidr', () => {
  assert.deepEqual(parseVipAddress('10.1.2.3/24'), { ip: '10.1.2.3', prefixLength: 24, cidr: '10.1.2.3/24' });
});

test('parseVipAddress: no prefix means /32; surrounding blanks are ignored', () => {
  assert.deepEqual(parseVipAddress(' 192.0.2.7 '), { ip: '192.0.2.7', prefixLength: 32, cidr: '192.0.2.7/32' });
});

for (const bad of ['10.1.2', '10.1.2.256/24', '10.1.2.3/33', '10.1.2.3/0', 'fe80::1/64', '127.0.0.5/8', '0.0.0.0/0', '224.0.0.1/32', '10.1.2.3/24 eth0', '']) {
  test(`parseVipAddress: refuses ${JSON.stringify(bad)} with a VipConfigError naming the setting`, () => {
    assert.throws(() => parseVipAddress(bad, '--vip'), (err: unknown) => err instanceof VipConfigError && err.setting === '--vip');
  });
}

test('parseInterfaceName: accepts Linux names up to 15 bytes, refuses longer ones and separators', () => {
  assert.equal(parseInterfaceName('eth0'), 'eth0');
  assert.equal(parseInterfaceName('enp0s31f6.100'), 'enp0s31f6.100');
  assert.equal(parseInterfaceName('a23456789012345'), 'a23456789012345');
  for (const bad of ['a234567890123456', 'eth0:1', 'eth/0', 'eth 0', '']) {
    assert.throws(() => parseInterfaceName(bad, '--dev'), (err: unknown) => err instanceof VipConfigError && err.setting === '--dev', bad);
  }
});
