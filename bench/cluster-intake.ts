/**
 * SMTP intake through the cluster (issue 5 point 7): the foundation's smtp-intake workload (N
 * parallel clients × M messages of 4 KB, pipelined MAIL/RCPT/DATA, the clock running from MAIL FROM
 * to the 250) against
 *   1. a single-node tandemd (local command log, fsync per group) on loopback, and
 *   2. the 3-member cluster (A, B data, W witness) in network namespaces, through the VIP, from the
 *      client namespace: every 250 waits for a quorum fsync, the apply, and the other data node,
 * in the same run, and prints the ratio. Needs root (network namespaces), like test/cluster.
 *
 *   npm run bench -- cluster-intake [--clients 10] [--messages 200] [--size 4096]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePorts } from '@tandem/testkit';
import { repoRoot, runSmtpLoad, spawnReading, summary, type RunResult } from './lib/smtp-load.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '10' },
    messages: { type: 'string', default: '200' },
    size: { type: 'string', default: '4096' },
    // Client mode (run inside the client namespace): --client HOST:PORT --to ADDRESS, prints JSON.
    client: { type: 'string' },
    to: { type: 'string', default: 'demo@example.test' },
  },
});

async function singleNode(clients: number, perClient: number, sizeBytes: number): Promise<RunResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-bench-'));
  const ports = await freePorts(5);
  const tandemd = await spawnReading([
    'apps/server/src/main.ts', '--dev', '--data-dir', dataDir, '--smtp-port', String(ports[0]), '--submission-port', String(ports[1]),
    '--submissions-port', String(ports[2]), '--imap-port', String(ports[3]), '--imaps-port', String(ports[4]),
  ], /\n {2}admin /, 'ignore');
  try {
    return await runSmtpLoad({ label: 'single node', host: '127.0.0.1', port: ports[0]!, clients, messagesPerClient: perClient, sizeBytes, rcptTo: 'demo@example.test' });
  } finally {
    const exited = new Promise((resolve) => tandemd.child.once('exit', resolve));
    tandemd.child.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function cluster(clients: number, perClient: number, sizeBytes: number): Promise<RunResult> {
  // The namespace cluster of the acceptance tests (test/cluster/tandem-cluster.ts).
  const { TandemCluster } = await import('../test/cluster/tandem-cluster.js');
  const c = await TandemCluster.create();
  try {
    await c.startAll();
    const leader = await c.waitForServingLeader();
    const to = 'bench@example.test';
    await c.addUser(leader, to, 'bench-password');
    const { stdout } = await c.harness.exec('c', process.execPath, [
      '--import', 'tsx', fileURLToPath(import.meta.url), '--client', `${c.harness.vip}:25`, '--to', to,
      '--clients', String(clients), '--messages', String(perClient), '--size', String(sizeBytes),
    ], { timeoutMs: 600_000 });
    return JSON.parse(stdout) as RunResult;
  } finally {
    await c.close();
  }
}

async function main(): Promise<void> {
  const clients = Number(values.clients);
  const perClient = Number(values.messages);
  const sizeBytes = Number(values.size);
  if (values.client !== undefined) {
    const [host, port] = values.client.split(':') as [string, string];
    process.stdout.write(`${JSON.stringify(await runSmtpLoad({ label: 'cluster', host: host!, port: Number(port), clients, messagesPerClient: perClient, sizeBytes, rcptTo: values.to! }))}\n`);
    return;
  }
  if (process.getuid?.() !== 0) {
    console.error('cluster-intake needs root for network namespaces (like npm run test:cluster); run it as root');
    process.exit(2);
  }
  console.log(`cluster-intake: ${clients} clients × ${perClient} messages of ${sizeBytes} bytes, pipelined MAIL/RCPT/DATA`);
  const single = await singleNode(clients, perClient, sizeBytes);
  const replicated = await cluster(clients, perClient, sizeBytes);
  const rows: Array<[string, RunResult]> = [['single node (local log, loopback)', single], ['3-member cluster via the VIP', replicated]];
  console.log('');
  console.log('                                      messages/s    p50 ms    p99 ms');
  for (const [label, r] of rows) {
    const s = summary(r);
    console.log(`${label.padEnd(38)}${s.rate.toFixed(0).padStart(10)}${s.p50.toFixed(2).padStart(10)}${s.p99.toFixed(2).padStart(10)}`);
  }
  const ratio = summary(replicated).rate / summary(single).rate;
  console.log('');
  console.log(`ratio cluster / single node: ${(ratio * 100).toFixed(1)}% of the single node's throughput`);
}

await main();
process.exit(0);
