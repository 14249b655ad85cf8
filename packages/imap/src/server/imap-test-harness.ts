/**
 * Test support (not a test): a real MailStore + LocalCommandLog in a temp dir, a user, and an
 * ImapServer on OS-chosen loopback ports with a throwaway self-signed certificate. The clock the
 * server stamps commands with is fixed (and can be moved), so transcripts are byte-exact.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { hashPassword, LocalCommandLog, MailStore } from '@tandem/store';
import type { ApplyValue, Command, DeliverValue } from '@tandem/store';
import { ImapServer } from './imap-server.js';
import type { ImapServerOptions } from './imap-server.js';

export const demoUser = 'demo@example.test';
export const demoPassword = 'secret-pass';
/** 2026-01-01T00:00:00Z: the server's fixed clock. */
export const harnessTimeMs = 1_767_225_600_000;

let certificate: Promise<{ key: string; cert: string }> | undefined;
let passwordHash: Promise<string> | undefined;

/** One self-signed certificate per test process (generating one takes a while). */
export function testCertificate(): Promise<{ key: string; cert: string }> {
  certificate ??= generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec', curve: 'P-256', algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }],
  }).then((pems) => ({ key: pems.private, cert: pems.cert }));
  return certificate;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export interface HarnessOptions {
  devLoopbackPlainAuth?: boolean;
  /** Quota of the demo user in bytes. */
  quotaBytes?: number;
  server?: Partial<ImapServerOptions>;
}

export class ImapHarness {
  clockMs = harnessTimeMs;
  private deliveries = 0;

  private constructor(
    readonly dir: string,
    readonly store: MailStore,
    readonly log: LocalCommandLog,
    readonly server: ImapServer,
  ) {}

  static async start(options: HarnessOptions = {}): Promise<ImapHarness> {
    const dir = await mkdtemp(join(tmpdir(), 'tandem-imap-'));
    const store = await MailStore.open({ dataDir: dir });
    const log = await LocalCommandLog.open({ dir: join(dir, 'log'), store, onFatal: (err) => { throw err; } });
    const tls = await testCertificate();
    let harness: ImapHarness | undefined;
    const server = new ImapServer({
      reader: store, commandLog: log, tls, host: '127.0.0.1', ports: { imap: 0, imaps: 0 },
      devLoopbackPlainAuth: options.devLoopbackPlainAuth ?? true,
      nowMs: () => harness?.clockMs ?? harnessTimeMs,
      // Every test client is 127.0.0.1: per-address delays would only slow the suites down
      // (auth-throttle.test.ts covers the throttle itself).
      authThrottle: { failuresBeforeDelay: 1000, delayMsPerFailure: 0, delayMsMax: 0, failureWindowMs: 60_000, clientsMax: 100 },
      ...options.server,
    });
    harness = new ImapHarness(dir, store, log, server);
    await harness.ok({ type: 'domain.add', domain: 'example.test' });
    await harness.addUser(demoUser, demoPassword, options.quotaBytes);
    await server.listen();
    return harness;
  }

  get imapPort(): number { return this.server.address('imap').port; }
  get imapsPort(): number { return this.server.address('imaps').port; }

  async addUser(address: string, password: string, quotaBytes?: number): Promise<void> {
    const hash = password === demoPassword ? await (passwordHash ??= hashPassword(demoPassword)) : await hashPassword(password);
    await this.ok({ type: 'user.add', address, passwordHash: hash, ...(quotaBytes !== undefined ? { quotaBytes } : {}) });
  }

  /** Proposes a command through the log (as SMTP or the admin API would) and asserts it applied. */
  async ok(command: DistributiveOmit<Command, 'timestampMs'>): Promise<ApplyValue> {
    const result = await this.log.propose({ ...command, timestampMs: this.clockMs } as Command);
    if (!result.ok) throw new Error(`${command.type} failed: ${result.error} ${result.message}`);
    return result.value;
  }

  /** A message.deliver (what SMTP proposes) into one mailbox; returns the new UID. */
  async deliver(message: string | Buffer, mailbox = 'INBOX', user = demoUser): Promise<number> {
    const n = ++this.deliveries;
    const result = await this.ok({
      type: 'message.deliver', dedupeKey: `harness-${n}`, queueId: `H${n}`,
      envelope: { mailFrom: 'sender@example.org', rcptTo: [user] },
      recipients: [{ user, mailbox }], message: typeof message === 'string' ? Buffer.from(message) : message,
    });
    return (result as DeliverValue).deliveries[0]!.uid;
  }

  async close(): Promise<void> {
    await this.server.close();
    await this.log.close();
    await this.store.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** A small RFC 5322 message with CRLF line ends. */
export function sampleMessage(n: number, extra: { from?: string; subject?: string; body?: string; date?: string; headers?: string[] } = {}): string {
  const lines = [
    `From: ${extra.from ?? `Sender ${n} <sender${n}@example.org>`}`,
    `To: Demo <${demoUser}>`,
    `Subject: ${extra.subject ?? `Message ${n}`}`,
    `Date: ${extra.date ?? `Thu, 1 Jan 2026 00:${String(n % 60).padStart(2, '0')}:00 +0000`}`,
    `Message-ID: <m${n}@example.org>`,
    ...(extra.headers ?? []),
    '',
    extra.body ?? `Body of message ${n}.`,
    '',
  ];
  return lines.join('\r\n');
}
