import { Command, Option } from 'commander';
import { degradedPolicies, linkProtections, type DegradedPolicy, type LinkProtection } from '@tandem/config';
import { callAdmin, CliError } from './admin-client.js';
import { clusterInit, parseMemberSpec, type InitMember } from './cluster-init.js';
import { formatClusterStatus, type ClusterStatusView } from './format-cluster-status.js';
import type { CommandContext } from './command-context.js';

/**
 * `tandem cluster …` (DESIGN §2, §4): init writes the configs of a new cluster; status, transfer
 * and force-single talk to the local member's admin socket.
 */
/** What force-single risks, said before anything is done (and again in the refusal). */
export const forceSingleRisks = [
  'force-single makes THIS data node serve alone, without the witness and without the other data node.',
  'Use it only when both are gone for good (destroyed, not merely unreachable). It risks:',
  '  - losing mail: anything the other data node committed that this one had not yet received is gone;',
  '  - split brain: if the other data node is in fact alive and still serving (a network split, not a',
  '    crash), two servers accept mail at once and their stores diverge for good;',
  '  - the old members can no longer join: the other data node and the witness must be wiped and',
  '    rebuilt as new members of the one-member cluster this creates.',
].join('\n');

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerClusterCommands(program: Command, context: CommandContext): void {
  const cluster = program.command('cluster').description('the replicated cluster: two data nodes and a witness');

  cluster.command('init')
    .description('write configs, the cluster secret and TLS material for two data nodes and a witness')
    .requiredOption('--domain <domain>', 'a mail domain served (repeat for more)', collect, [])
    .requiredOption('--vip <address/prefix>', 'the virtual IP the leader holds, e.g. 192.0.2.25/24')
    .requiredOption('--interface <name>', 'the interface the VIP goes on, e.g. eth0')
    .requiredOption('--node <id=addresses>', 'a data node and its cluster addresses, first preferred (twice), e.g. a=10.0.0.11,10.1.0.11', collect, [])
    .requiredOption('--witness <id=addresses>', 'the witness and its addresses, e.g. w=10.0.0.13')
    .option('--hostname <name>', 'the service name clients use (default mail.<first domain>)')
    .option('--out <dir>', 'where to write (a new directory)', 'tandem-cluster')
    .option('--raft-port <port>', 'cluster port for addresses without one', (v) => port(v, '--raft-port'), 7400)
    .option('--metrics-port <port>', 'the metrics listener on every member', (v) => port(v, '--metrics-port'), 9465)
    .option('--member-data-dir <dir>', 'data dir on each member ("{id}" is replaced by the member id; default /var/lib/tandem, /var/lib/tandem-witness)')
    .option('--hook <path>', 'script run as HOOK add|del VIP IFACE instead of ip/arping (clouds)')
    .addOption(new Option('--degraded-policy <policy>', 'while one data node is down: accept (serve on A+W) or refuse (4xx)').choices([...degradedPolicies]).default('accept'))
    .addOption(new Option('--link-protection <mode>', 'cluster links: encrypt, or authenticate only (mail in the clear: a private network or WireGuard/IPsec only)').choices([...linkProtections]).default('encrypt'))
    .option('--cluster-json <json>', 'extra keys for every member\'s "cluster" section (timings), as JSON')
    .action(async (o: InitFlags, cmd: Command) => {
      const members: InitMember[] = [...o.node.map((spec) => parseMemberSpec(spec, 'data')), parseMemberSpec(o.witness, 'witness')];
      const result = await clusterInit({
        out: o.out, domains: o.domain, vip: o.vip, interface: o.interface, members, hostname: o.hostname,
        raftPort: o.raftPort, metricsPort: o.metricsPort, dataDir: o.memberDataDir, degradedPolicy: o.degradedPolicy, linkProtection: o.linkProtection, hook: o.hook,
        clusterExtra: o.clusterJson === undefined ? {} : parseJsonObject(o.clusterJson, '--cluster-json'),
      });
      context.print(cmd, result, () => [
        `wrote ${result.files.length} files in ${result.out}:`,
        ...members.map((m) => `  ${m.id}/  (${m.role}) → copy to /etc/tandem/ on ${m.addresses[0]}, then start ${m.role === 'data' ? 'tandemd.service' : 'tandem-witness.service'}`),
        'The certificate is self-signed for the service name and the VIP: replace mail.crt/mail.key with a real one on both data nodes.',
        '',
      ].join('\n'));
    });

  cluster.command('status').description('roles, term, commit and applied index per member, lag, VIP holder, degraded or not')
    .action(async (_o: unknown, cmd: Command) => {
      const status = await callAdmin(context.target(cmd), 'cluster.status') as ClusterStatusView;
      context.print(cmd, status, () => formatClusterStatus(status));
    });

  cluster.command('transfer').description('planned switchover: hand leadership and the VIP to the other data node (run on the leader)')
    .option('--to <node>', 'the data node to take over (default: the other one)')
    .action(async (o: { to?: string }, cmd: Command) => {
      const result = await callAdmin(context.target(cmd), 'cluster.transfer', o.to === undefined ? {} : { to: o.to }) as { from: string; to: string; term: number; tookMs: number };
      context.print(cmd, result, () => `leadership moved from ${result.from} to ${result.to} (term ${result.term}) in ${result.tookMs} ms; the VIP follows once ${result.to} may take it\n`);
    });

  cluster.command('add <node>').description('add a configured member that is not in the cluster (rebuilt with an empty data dir and cluster.join); run on the leader')
    .action(async (node: string, _o: unknown, cmd: Command) => {
      const result = await callAdmin(context.target(cmd), 'cluster.add', { node }) as { node: string; role: string; tookMs: number; membership: { voters: string[] } };
      context.print(cmd, result, () => `${result.node} (${result.role}) is a voting member now, after ${result.tookMs} ms; voters: ${result.membership.voters.join(', ')}\n`);
    });

  cluster.command('force-single').description('BREAK GLASS: make this data node serve alone when the witness and the other data node are gone')
    .option('--yes-i-understand', 'confirm that you accept the risks it prints')
    .action(async (o: { yesIUnderstand?: boolean }, cmd: Command) => {
      if (o.yesIUnderstand !== true) throw new CliError(`refusing without --yes-i-understand.\n${forceSingleRisks}`, 'REFUSED');
      const result = await callAdmin(context.target(cmd), 'cluster.force', { confirm: 'yes-i-understand' }) as { node: string; index: number; term: number };
      context.print(cmd, result, () => `${forceSingleRisks}\n\n${result.node} is now a one-member cluster (log continues after index ${result.index}, term ${result.term}); it serves on its own.\n`);
    });
}

interface InitFlags {
  domain: string[]; vip: string; interface: string; node: string[]; witness: string; hostname?: string; out: string;
  raftPort: number; metricsPort: number; memberDataDir?: string; hook?: string; degradedPolicy: DegradedPolicy; linkProtection: LinkProtection;
  clusterJson?: string;
}

function port(value: string, flag: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) throw new CliError(`${flag} must be a port 1–65535, got ${JSON.stringify(value)}`);
  return n;
}

function parseJsonObject(text: string, flag: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new CliError(`${flag} must be a JSON object, e.g. '{"electionTimeoutMs": 1000}'`);
}
