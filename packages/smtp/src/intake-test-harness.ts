import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { generate } from 'selfsigned';
import {
  hashPassword, LocalCommandLog, MailStore, type ApplyResult, type Command, type CommandLog,
} from '@tandem/store';
import type { AuthThrottleLimits } from '@tandem/store';
import type { IntakeLogger } from './intake-logger.js';
import { localIntakeBackend } from './intake-backend.js';
import { SmtpIntakeThread } from './intake-thread.js';
import { SmtpIntake, type ListenerKind } from './smtp-intake.js';

/**
 * A real SMTP intake on free loopback ports over a real store in a temp dir, for the intake tests.
 * `faults` lets a test make the command log fail the next proposal with a chosen error.
 */
export interface IntakeHarness {
  dataDir: string;
  store: MailStore;
  /** The intake, in-process or (options.thread) on its own thread. */
  intake: { close(): Promise<void>; address(kind: ListenerKind): { host: string; port: number }; readonly deliveriesInFlight: number };
  ports: { mx: number; submission: number; submissions: number };
  /** Errors thrown by the next proposals, in order (after the delivery was received in full). */
  faults: Error[];
  /** Number of commands proposed so far (deliveries and setup alike). */
  proposals(): number;
  addUser(address: string, password: string, quotaBytes?: number): Promise<void>;
  propose(command: Command): Promise<ApplyResult>;
  /** Every file under mail/ (relative paths), tmp/ included. */
  mailFiles(): string[];
  close(): Promise<void>;
}

const quietLogger: IntakeLogger = { debug() {}, info() {}, warn() {}, error() {} };
let certificate: Promise<{ cert: string; key: string }> | undefined;

/** A self-signed certificate for localhost, made once per process. */
export function testCertificate(): Promise<{ cert: string; key: string }> {
  certificate ??= generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', curve: 'P-256', algorithm: 'sha256' })
    .then((p) => ({ cert: p.cert, key: p.private }));
  return certificate;
}

export interface IntakeHarnessOptions {
  messageSizeBytesMax?: number;
  bufferedBytesMax?: number;
  authThrottle?: AuthThrottleLimits;
  logger?: IntakeLogger;
  /** Run the sessions on their own thread (intake-thread.ts), as tandemd does. */
  thread?: boolean;
  /** Outbound delivery configured: authenticated clients may send to other domains (queued, not delivered here). */
  outbound?: boolean;
}

export async function startIntakeHarness(options: IntakeHarnessOptions = {}): Promise<IntakeHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-smtp-'));
  const store = await MailStore.open({ dataDir });
  const log = await LocalCommandLog.open({ dir: join(dataDir, 'log'), store });
  const faults: Error[] = [];
  let proposals = 0;
  const commandLog: CommandLog = {
    propose: async (command) => {
      proposals += 1;
      const fault = faults.shift();
      if (fault) throw fault;
      return log.propose(command);
    },
    close: () => log.close(),
  };
  const propose = (command: Command): Promise<ApplyResult> => commandLog.propose(command);
  await propose({ type: 'domain.add', domain: 'example.test', timestampMs: 1 });
  const logger = options.logger ?? quietLogger;
  const listen = {
    hostname: 'mx.example.test',
    listenHost: '127.0.0.1',
    ports: { mx: 0, submission: 0, submissions: 0 },
    tls: await testCertificate(),
    messageSizeBytesMax: options.messageSizeBytesMax ?? 64 * 1024,
    ...(options.authThrottle ? { authThrottle: options.authThrottle } : {}),
    ...(options.bufferedBytesMax ? { bufferedBytesMax: options.bufferedBytesMax } : {}),
  };
  let intake: IntakeHarness['intake'];
  if (options.thread) {
    const thread = new SmtpIntakeThread({ reader: store, commandLog, logger, logLevels: ['debug', 'info', 'warn', 'error'], outbound: options.outbound ?? false });
    await thread.listen(listen);
    intake = { close: async () => { await thread.close(); await thread.stop(); }, address: (kind) => thread.address(kind), get deliveriesInFlight() { return thread.deliveriesInFlight; } };
  } else {
    intake = await SmtpIntake.start({ ...listen, backend: localIntakeBackend({ reader: store, commandLog, nowMs: Date.now, logger, outbound: options.outbound ?? false }), logger });
  }
  const mailRoot = join(dataDir, 'mail');
  return {
    dataDir, store, intake, faults,
    ports: { mx: intake.address('mx').port, submission: intake.address('submission').port, submissions: intake.address('submissions').port },
    proposals: () => proposals,
    propose,
    async addUser(address, password, quotaBytes) {
      const result = await propose({ type: 'user.add', address, passwordHash: await hashPassword(password), timestampMs: 2, ...(quotaBytes ? { quotaBytes } : {}) });
      if (!result.ok) throw new Error(`user.add ${address}: ${result.message}`);
    },
    mailFiles: () => listFiles(mailRoot).map((f) => relative(mailRoot, f)).sort(),
    async close() {
      await intake.close();
      await log.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function listFiles(dir: string): string[] {
  let names: string[];
  try { names = readdirSync(dir); } catch { return []; }
  return names.flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}
