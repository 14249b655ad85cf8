/**
 * SMTP intake throughput: N parallel SMTP clients × M messages of 4 KB to a real tandemd (dev mode,
 * a temp data dir, a child process), beside the same workload against a bare smtp-server that
 * discards the data (another child process): this machine's protocol ceiling. Prints messages/s and
 * p50/p99 latency of the 250 (from MAIL FROM to the 250 after the final dot) for both, and the ratio,
 * and the CPU each message cost the server (in all and on its main thread) and the client.
 *
 *   node --import tsx bench/smtp-intake.ts [--clients 10] [--messages 2000] [--size 4096] [--cpu-prof] [--data-root DIR] [--no-postfix]
 *   npm run bench -- smtp-intake
 *
 * Every 250 from tandemd follows an fsync of the command log (group commit), so the ratio is the
 * price of durability (plus the Maildir write, the index batch and the trace headers).
 *
 * Run as root, it also runs the same workload against Postfix (Debian's, a throwaway instance in the
 * data root: bench/lib/smtp-postfix.ts), the MTA to beat. Postfix's 250 also follows an fsync (of its
 * queue file); it writes the Maildir file afterwards, so its line gives both the rate of 250s and the
 * rate until the last message was in new/ (Tandem's 250 comes after the Maildir file is in place).
 */
import type { ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SMTPServer } from 'smtp-server';
import { freePort, freePorts } from '@tandem/testkit';
import { summarizeCpuProfiles } from './lib/imap-cpu-profile.js';
import { repoRoot, runSmtpLoad, spawnReading, summary, type RunResult } from './lib/smtp-load.js';
import { ensurePostfixInstalled, startPostfix } from './lib/smtp-postfix.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '10' },
    messages: { type: 'string', default: '2000' },
    size: { type: 'string', default: '4096' },
    'serve-bare': { type: 'boolean', default: false },
    // Writes tandemd's CPU profile and prints where its time went (self time per function and file).
    'cpu-prof': { type: 'boolean', default: false },
    'data-root': { type: 'string', default: join(repoRoot, '.bench') },
    // Leaves out the Postfix line (which needs root, and installs Debian's postfix when missing).
    'no-postfix': { type: 'boolean', default: false },
  },
});

// Child mode: the ceiling, an smtp-server with the same protocol options that keeps nothing.
if (values['serve-bare']) {
  const server = new SMTPServer({
    name: 'bare.bench', disabledCommands: ['AUTH', 'STARTTLS'], hideENHANCEDSTATUSCODES: false,
    disableReverseLookup: true, size: 50 * 1024 * 1024, logger: false, socketTimeout: 300_000,
    onData(stream, _session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () => callback(null, '2.0.0 discarded'));
    },
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`port ${(server.server.address() as { port: number }).port}\n`));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
} else {
  await main();
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

function adminStatus(dataDir: string): Promise<Record<string, unknown>> {
  const token = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: join(dataDir, 'admin.sock'), path: '/v1/status', method: 'POST', headers: { authorization: `Bearer ${token}` } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => { text += c.toString('utf8'); });
      res.on('end', () => resolve((JSON.parse(text) as { result: Record<string, unknown> }).result));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The same load against a throwaway Postfix, when this process may run one (root). */
async function runPostfix(clients: number, perClient: number, sizeBytes: number): Promise<{ run: RunResult; deliveredMs: number } | undefined> {
  try {
    ensurePostfixInstalled();
  } catch (err) {
    console.log(`postfix line skipped: ${(err as Error).message}`);
    return undefined;
  }
  const postfix = await startPostfix({ root: values['data-root'], port: await freePort(), users: ['demo@example.test'] });
  try {
    const started = performance.now();
    const run = await runSmtpLoad({ label: 'postfix (fsync per 250)', host: '127.0.0.1', port: postfix.port, clients, messagesPerClient: perClient, sizeBytes, rcptTo: 'demo@example.test' });
    await postfix.waitDelivered('demo@example.test', run.messages, 300_000);
    return { run, deliveredMs: performance.now() - started };
  } finally {
    await postfix.stop();
  }
}

async function main(): Promise<void> {
  const clients = Number(values.clients);
  const perClient = Number(values.messages);
  const sizeBytes = Number(values.size);
  console.log(`smtp-intake: ${clients} clients × ${perClient} messages of ${sizeBytes} bytes, pipelined MAIL/RCPT/DATA`);

  const bare = await spawnReading(['bench/smtp-intake.ts', '--serve-bare'], /port (\d+)\n/);
  const ceiling = await runSmtpLoad({ label: 'bare smtp-server (discards)', host: '127.0.0.1', port: Number(bare.match[1]), clients, messagesPerClient: perClient, sizeBytes, rcptTo: 'demo@example.test', serverPid: bare.child.pid });
  await stop(bare.child);

  // The data dir lives where `npm start` keeps it, under the project, not in /tmp: on this project's
  // VMs creating a file in /tmp costs about 1 ms of CPU (an inode allocator that searches a crowded
  // block group) against 20–30 µs elsewhere on the same file system, which would measure the VM's
  // /tmp, not tandemd. `--data-root DIR` picks another place.
  mkdirSync(values['data-root'], { recursive: true });
  const dataDir = mkdtempSync(join(values['data-root'], 'smtp-intake-'));
  const ports = await freePorts(5);
  const profDir = values['cpu-prof'] ? mkdtempSync(join(tmpdir(), 'tandem-bench-prof-')) : undefined;
  // tandemd runs at its default log level, as `npm start` does: the mail log's line per message
  // is part of what it costs. The lines go to a file, not over the figures.
  const logPath = join(values['data-root'], 'smtp-intake-tandemd.log');
  const logFd = openSync(logPath, 'w');
  const tandemd = await spawnReading([
    ...(profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : []),
    'apps/server/src/main.ts', '--dev', '--data-dir', dataDir, '--smtp-port', String(ports[0]), '--submission-port', String(ports[1]),
    '--submissions-port', String(ports[2]), '--imap-port', String(ports[3]), '--imaps-port', String(ports[4]),
  ], /\n {2}admin /, logFd).finally(() => closeSync(logFd));
  let tandem: RunResult;
  let status: Record<string, unknown>;
  try {
    tandem = await runSmtpLoad({ label: 'tandemd (fsync per 250)', host: '127.0.0.1', port: ports[0]!, clients, messagesPerClient: perClient, sizeBytes, rcptTo: 'demo@example.test', serverPid: tandemd.child.pid });
    status = await adminStatus(dataDir);
  } finally {
    await stop(tandemd.child);
    rmSync(dataDir, { recursive: true, force: true });
  }

  const postfix = values['no-postfix'] ? undefined : await runPostfix(clients, perClient, sizeBytes);
  const runs = [ceiling, tandem, ...(postfix ? [postfix.run] : [])];
  const rows = runs.map(summary);
  console.log('');
  // The mean split in two: the pipelined MAIL/RCPT/DATA round trip (to the 354), and the message's
  // bytes to the 250 (where tandemd's log write, apply and thread hops are).
  console.log('                              messages/s    p50 ms    p99 ms   mean ms  MAIL→354  data→250');
  runs.forEach((r, i) => {
    const s = rows[i]!;
    const cells = [s.p50, s.p99, s.mean, s.envelopeMean, s.dataMean].map((v) => v.toFixed(2).padStart(10)).join('');
    console.log(`${r.label.padEnd(30)}${s.rate.toFixed(0).padStart(10)}${cells}`);
  });
  if (postfix) {
    const delivered = postfix.run.messages / (postfix.deliveredMs / 1000);
    console.log(`${'postfix, until all in new/'.padEnd(30)}${delivered.toFixed(0).padStart(10)}`);
    console.log(`ratio tandemd / postfix: ${(rows[1]!.rate / rows[2]!.rate).toFixed(2)} (250s), ${(rows[1]!.rate / delivered).toFixed(2)} (in the Maildir)`);
  } else if (!values['no-postfix']) {
    console.log('(no Postfix line: see above)');
  }
  // What each message cost in CPU, and where: on two shared cores this bounds the rate.
  console.log('');
  console.log('CPU per message, µs            server  main thread   client');
  const cell = (v: number | undefined): string => (v === undefined ? '—' : v.toFixed(0)).padStart(8);
  runs.forEach((r) => console.log(`${r.label.padEnd(30)}${cell(r.cpuUs.server)}${cell(r.cpuUs.serverMainThread).padStart(13)}${cell(r.cpuUs.client).padStart(9)}`));
  const log = status.commandLog as { fsyncs: number; appended: number; largestGroup: number };
  console.log('');
  console.log(`command log: ${log.appended} entries, ${log.fsyncs} fsyncs (${(log.appended / Math.max(1, log.fsyncs)).toFixed(1)} entries per fsync, largest group ${log.largestGroup})`);
  const ratio = rows[1]!.rate / rows[0]!.rate;
  console.log(`ratio tandemd / ceiling: ${(ratio * 100).toFixed(1)}% (target ≥ 30%)`);
  console.log(`tandemd's log: ${logPath}`);
  if (profDir) {
    const profile = await summarizeCpuProfiles(profDir, repoRoot, 40);
    if (profile) {
      console.log(`\ntandemd CPU profile (${profDir}): ${profile.totalMs.toFixed(0)} ms sampled, ${profile.idleMs.toFixed(0)} ms idle`);
      for (const f of profile.files) console.log(`  ${f.selfMs.toFixed(0).padStart(7)} ms  ${f.name}`);
      console.log('');
      for (const f of profile.functions) console.log(`  ${f.selfMs.toFixed(0).padStart(7)} ms  ${f.name}`);
    }
  }
}
