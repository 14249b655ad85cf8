// Goal: the guard's command line is parsed with defaults and limits, round-trips through formatVipGuardArgs, and errors name the option.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VipConfigError } from './vip-errors.js';
import { formatVipGuardArgs, parseVipGuardArgs } from './vip-guard-args.js';
import { vipGuardLimits } from './vip-guard-limits.js';

test('parseVipGuardArgs: required options and defaults', () => {
  const settings = parseVipGuardArgs(['--vip', '10.4.5.6/24', '--dev', 'eth0', '--lease-ms', '1500']);
  assert.deepEqual(settings, {
    vip: { ip: '10.4.5.6', prefixLength: 24, cidr: '10.4.5.6/24' },
    dev: 'eth0',
    leaseMs: 1500,
    hook: undefined,
    hookTimeoutMs: vipGuardLimits.hookTimeoutMsDefault,
    garpIntervalMs: vipGuardLimits.garpIntervalMsDefault,
    standby: false,
  });
});

test('formatVipGuardArgs → parseVipGuardArgs gives the same settings (hook, standby)', () => {
  const settings = parseVipGuardArgs(['--vip', '10.4.5.6/24', '--dev', 'ens3', '--lease-ms', '3000', '--hook', '/etc/tandem/move-ip', '--hook-timeout-ms', '9000', '--garp-interval-ms', '0', '--standby']);
  assert.equal(settings.hook, '/etc/tandem/move-ip');
  assert.equal(settings.garpIntervalMs, 0);
  assert.equal(settings.standby, true);
  assert.deepEqual(parseVipGuardArgs(formatVipGuardArgs(settings)), settings);
});

test('parseVipGuardArgs: each bad command line names its option', () => {
  const base = ['--vip', '10.4.5.6/24', '--dev', 'eth0', '--lease-ms', '1500'];
  const cases: Array<[string[], string]> = [
    [['--dev', 'eth0', '--lease-ms', '1500'], '--vip'],
    [['--vip', '10.4.5.6/24', '--lease-ms', '1500'], '--dev'],
    [['--vip', '10.4.5.6/24', '--dev', 'eth0'], '--lease-ms'],
    [[...base.slice(0, 5), '1.5'], '--lease-ms'],
    [[...base.slice(0, 5), String(vipGuardLimits.leaseMsMin - 1)], '--lease-ms'],
    [[...base.slice(0, 5), String(vipGuardLimits.leaseMsMax + 1)], '--lease-ms'],
    [[...base, '--garp-interval-ms', 'x'], '--garp-interval-ms'],
    [['--vip', 'fe80::1/64', '--dev', 'eth0', '--lease-ms', '1500'], '--vip'],
    [[...base, '--bogus'], 'arguments'],
    [[...base, 'positional'], 'arguments'],
  ];
  for (const [argv, setting] of cases) {
    assert.throws(() => parseVipGuardArgs(argv), (err: unknown) => err instanceof VipConfigError && err.setting === setting, argv.join(' '));
  }
});
