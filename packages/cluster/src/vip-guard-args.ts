import { parseArgs } from 'node:util';
import { parseInterfaceName, parseVipAddress, type VipAddress } from './vip-address.js';
import { VipConfigError } from './vip-errors.js';
import { vipGuardLimits } from './vip-guard-limits.js';

/** What the guard process was started with. */
export interface VipGuardSettings {
  vip: VipAddress;
  dev: string;
  leaseMs: number;
  /** Script run as `HOOK add|del VIP IFACE` instead of ip/arping (clouds). */
  hook: string | undefined;
  hookTimeoutMs: number;
  garpIntervalMs: number;
  /** Start without the VIP and wait for "acquire" (a guard spawned ahead of need: no start-up delay at failover). */
  standby: boolean;
}

export const vipGuardUsage =
  'usage: vip-guard-main.ts --vip A.B.C.D/N --dev IFACE --lease-ms N [--hook SCRIPT] [--hook-timeout-ms N] [--garp-interval-ms N] [--standby]';

/** Parses the guard's command line; throws VipConfigError naming the option at fault. */
export function parseVipGuardArgs(argv: readonly string[]): VipGuardSettings {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        vip: { type: 'string' },
        dev: { type: 'string' },
        'lease-ms': { type: 'string' },
        hook: { type: 'string' },
        'hook-timeout-ms': { type: 'string' },
        'garp-interval-ms': { type: 'string' },
        standby: { type: 'boolean' },
      },
    }));
  } catch (err) {
    throw new VipConfigError('arguments', `${(err as Error).message}\n${vipGuardUsage}`);
  }
  const required = (name: string): string => {
    const value = values[name];
    if (typeof value !== 'string' || value === '') throw new VipConfigError(`--${name}`, `is required\n${vipGuardUsage}`);
    return value;
  };
  const hook = values['hook'];
  return {
    vip: parseVipAddress(required('vip'), '--vip'),
    dev: parseInterfaceName(required('dev'), '--dev'),
    leaseMs: parseIntegerMs(required('lease-ms'), '--lease-ms', vipGuardLimits.leaseMsMin, vipGuardLimits.leaseMsMax),
    hook: typeof hook === 'string' && hook !== '' ? hook : undefined,
    hookTimeoutMs: optionalMs(values['hook-timeout-ms'], '--hook-timeout-ms', vipGuardLimits.hookTimeoutMsDefault, 100, 600_000),
    garpIntervalMs: optionalMs(values['garp-interval-ms'], '--garp-interval-ms', vipGuardLimits.garpIntervalMsDefault, 0, 3_600_000),
    standby: values['standby'] === true,
  };
}

function optionalMs(value: string | boolean | undefined, option: string, fallback: number, min: number, max: number): number {
  return typeof value === 'string' ? parseIntegerMs(value, option, min, max) : fallback;
}

function parseIntegerMs(text: string, option: string, min: number, max: number): number {
  if (!/^\d+$/.test(text)) throw new VipConfigError(option, `${JSON.stringify(text)} is not a whole number of milliseconds`);
  const value = Number(text);
  if (value < min || value > max) throw new VipConfigError(option, `${value} is outside ${min}..${max} ms`);
  return value;
}

/** The argument list for a guard with these settings (what the client spawns). */
export function formatVipGuardArgs(settings: Omit<VipGuardSettings, 'vip'> & { vip: VipAddress | string }): string[] {
  const vip = typeof settings.vip === 'string' ? settings.vip : settings.vip.cidr;
  const args = ['--vip', vip, '--dev', settings.dev, '--lease-ms', String(settings.leaseMs), '--garp-interval-ms', String(settings.garpIntervalMs)];
  if (settings.hook !== undefined) args.push('--hook', settings.hook, '--hook-timeout-ms', String(settings.hookTimeoutMs));
  if (settings.standby) args.push('--standby');
  return args;
}
