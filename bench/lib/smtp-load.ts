/**
 * The SMTP load both intake benchmarks send (bench/smtp-intake.ts, bench/cluster-intake.ts), and the
 * small process helpers they share: one definition, so the single-node and cluster figures are
 * measured with exactly the same client.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SmtpWireClient } from '@tandem/smtp';
import { processCpu } from './process-cpu.js';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface RunResult {
  label: string;
  messages: number;
  elapsedMs: number;
  /** Per message, MAIL FROM → the 250 after the final dot. */
  latenciesMs: number[];
  /** Summed over the messages: MAIL FROM → 354 (the pipelined MAIL/RCPT/DATA round trip); the rest of each latency is data → 250. */
  envelopeMsTotal: number;
  /** CPU per message in µs: the server process (when its pid was given), its main thread, and this process (the client). */
  cpuUs: { server?: number; serverMainThread?: number; client: number };
}

export interface SmtpLoad {
  label: string;
  host: string;
  port: number;
  clients: number;
  messagesPerClient: number;
  sizeBytes: number;
  rcptTo: string;
  /** The server's process, when it is one process on this machine: its CPU use is measured too. */
  serverPid?: number;
}

/** A message of exactly `sizeBytes` (headers + 78-octet lines, RFC 5322 §2.1.1), unique per client and n. */
export function makeMessage(sizeBytes: number, client: number, n: number, rcptTo: string): Buffer {
  const header = `From: bench${client}@elsewhere.test\r\nTo: ${rcptTo}\r\nSubject: bench ${client}/${n}\r\nMessage-ID: <${client}.${n}.${process.pid}@bench>\r\n\r\n`;
  const line = `${'x'.repeat(76)}\r\n`;
  let body = '';
  while (header.length + body.length + line.length <= sizeBytes) body += line;
  body += 'y'.repeat(Math.max(0, sizeBytes - header.length - body.length - 2)) + '\r\n';
  return Buffer.from(header + body);
}

/** `clients` parallel connections, each sending its messages one after another; latency = MAIL → 250. */
export async function runSmtpLoad(load: SmtpLoad): Promise<RunResult> {
  const latenciesMs: number[] = [];
  let envelopeMsTotal = 0;
  const serverBefore = load.serverPid === undefined ? undefined : processCpu(load.serverPid);
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: load.clients }, async (_, c) => {
    const client = await SmtpWireClient.connect(load.port, { host: load.host });
    await client.send('EHLO bench.elsewhere.test');
    for (let n = 0; n < load.messagesPerClient; n++) {
      const message = makeMessage(load.sizeBytes, c, n, load.rcptTo);
      const t0 = performance.now();
      // RFC 2920 PIPELINING: MAIL, RCPT and DATA in one write, as real MTAs send them.
      client.write(`MAIL FROM:<bench${c}@elsewhere.test>\r\nRCPT TO:<${load.rcptTo}>\r\nDATA\r\n`);
      const replies = [await client.readReply(), await client.readReply(), await client.readReply()];
      if (replies[2]?.code !== 354) throw new Error(`${load.label}: ${replies.map((r) => `${r.code} ${r.lines.join(' ')}`).join(' / ')}`);
      envelopeMsTotal += performance.now() - t0;
      client.write(Buffer.concat([message, Buffer.from('.\r\n')]));
      const done = await client.readReply();
      if (done.code !== 250) throw new Error(`${load.label}: ${done.code} ${done.lines.join(' ')}`);
      latenciesMs.push(performance.now() - t0);
    }
    await client.quit();
  }));
  const elapsedMs = performance.now() - started;
  const messages = load.clients * load.messagesPerClient;
  const client = process.cpuUsage(clientBefore);
  const cpuUs: RunResult['cpuUs'] = { client: (client.user + client.system) / messages };
  if (serverBefore && load.serverPid !== undefined) {
    const after = processCpu(load.serverPid);
    cpuUs.server = ((after.totalMs - serverBefore.totalMs) * 1000) / messages;
    cpuUs.serverMainThread = ((after.mainThreadMs - serverBefore.mainThreadMs) * 1000) / messages;
  }
  return { label: load.label, messages, elapsedMs, latenciesMs, envelopeMsTotal, cpuUs };
}

export interface RunSummary {
  rate: number;
  p50: number;
  p99: number;
  /** Means: of the whole latency, of its MAIL → 354 part, and of its data → 250 part. */
  mean: number;
  envelopeMean: number;
  dataMean: number;
}

export function summary(r: RunResult): RunSummary {
  const sorted = [...r.latenciesMs].sort((a, b) => a - b);
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
  const n = Math.max(1, sorted.length);
  const mean = sorted.reduce((sum, l) => sum + l, 0) / n;
  const envelopeMean = r.envelopeMsTotal / n;
  return { rate: r.messages / (r.elapsedMs / 1000), p50: at(50), p99: at(99), mean, envelopeMean, dataMean: mean - envelopeMean };
}

/**
 * Starts `node --import tsx ARGS` in the repo root and resolves once its stdout matches `pattern`;
 * its stderr goes to ours, nowhere, or an open file (a descriptor).
 */
export function spawnReading(args: string[], pattern: RegExp, stderr: 'inherit' | 'ignore' | number = 'inherit'): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', stderr] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const match = pattern.exec(out);
      if (match) resolve({ child, match });
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited (${code}) before it was ready:\n${out}`)));
  });
}
