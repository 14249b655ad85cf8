/**
 * SMTP sessions on a thread of their own. Parsing SMTP, reading and writing the sockets, collecting
 * and hashing message bytes, and checking passwords then run beside the store's thread instead of
 * on it: on the intake bench that work was about a third of the event loop's time per message, and
 * the store's thread (the command log, apply, IMAP) is the one every acknowledgement waits for.
 *
 * The sessions' thread owns no state. Every question goes to this (the store's) thread, which
 * answers from the applied state with the same code as in-process intake (localIntakeBackend):
 * RCPT checks, AUTH user lookups, and deliveries, which are proposed here. A failure is answered as
 * the reply decision toSmtpReply makes here, with the real error in hand (and logged here); the
 * dedupe key of a delivery is computed there, from the bytes it received.
 *
 * RCPT is the one question answered on the sessions' thread when it can be: an address the store
 * accepted before is accepted again without a round trip (on the intake bench that round trip was
 * about 15 % of the throughput), until domains, users or aliases change. The store emits 'directory'
 * while it applies such a change, and this thread posts it on a port of its own, which the sessions'
 * thread drains synchronously (receiveMessageOnPort) before it trusts what it remembers: a change
 * whose command has been acknowledged is never missed. Refusals are always asked for, and a delivery
 * resolves its recipients again here in any case (deliver-message.ts).
 *
 * One thread serves every opening of the listeners (a cluster member opens them each time it leads),
 * so a failover does not wait for a thread to load its modules; each opening makes new servers. A
 * member starts it once it has caught up with a leader (warmUp(), from the daemon), or a few
 * seconds after it starts itself (`warmUpAfterMs`) if that comes first, not at once: loading
 * modules is a burst of CPU, and a member restarting beside a leader under load should not add a
 * third such burst (with its Raft thread and its main thread) to the moment it catches up. Not
 * later either: a planned transfer to a member whose thread was still loading left clients without
 * service for over a second (the failover test's limit).
 * A thread that dies is fatal (`onFailure`): the listeners died with it.
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { startModuleWorker } from '@tandem/config';
import type { CommandLog, StoreReader } from '@tandem/store';
import { localIntakeBackend, type IntakeBackend } from './intake-backend.js';
import type { IntakeLogger } from './intake-logger.js';
import type { Answer, HostToIntake, IntakeToHost, LogLevel, Question, ThreadListenOptions } from './intake-thread-protocol.js';
import { PortBatch } from './port-batch.js';
import type { ListenerKind } from './smtp-intake.js';
import { toSmtpReply } from './smtp-reply-for-error.js';

export interface SmtpIntakeThreadOptions {
  reader: StoreReader;
  commandLog: CommandLog;
  logger: IntakeLogger;
  /** Levels worth sending across (the others are dropped on the sessions' thread). */
  logLevels: LogLevel[];
  /** The proposer's clock (commands carry its time; apply() never reads one). */
  nowMs?: () => number;
  /** Outbound delivery is configured (intake-backend.ts). */
  outbound?: boolean;
  /** The sessions' thread died or failed; default: rethrown asynchronously (the process ends). */
  onFailure?: (err: Error) => void;
  /**
   * Start the thread this long after construction if listen() has not started it by then (see the
   * class comment); without it the thread starts at the first listen() or warmUp().
   */
  warmUpAfterMs?: number;
}

type Addresses = Record<ListenerKind, { host: string; port: number }>;

export class SmtpIntakeThread {
  private worker: Worker | undefined;
  private warmUpTimer: NodeJS.Timeout | undefined;
  private directoryPort: MessagePort | undefined;
  private readonly backend: IntakeBackend;
  private addresses: Addresses | undefined;
  private inFlight = 0;
  private step: { resolve: (m: IntakeToHost) => void; reject: (err: Error) => void } | undefined;
  private stopped = false;
  /** Tells the sessions' thread that domains, users or aliases changed (see intake-thread-worker.ts). */
  private readonly directory: MessagePort;
  private readonly directoryChanged = (): void => { this.directory.postMessage(0); };
  private readonly answers = new PortBatch<Answer>((answers) => this.post({ t: 'answers', answers }));

  constructor(private readonly options: SmtpIntakeThreadOptions) {
    this.backend = localIntakeBackend({
      reader: options.reader, commandLog: options.commandLog, nowMs: options.nowMs ?? Date.now, logger: options.logger, outbound: options.outbound ?? false,
    });
    const { port1, port2 } = new MessageChannel();
    this.directory = port1;
    this.directoryPort = port2; // (notices posted before the thread starts wait in it)
    // Posted while the change is applied: before its proposer (the admin API) hears it succeeded.
    options.reader.events.on('directory', this.directoryChanged);
    if (options.warmUpAfterMs !== undefined) {
      this.warmUpTimer = setTimeout(() => this.warmUp(), options.warmUpAfterMs);
      this.warmUpTimer.unref();
    }
  }

  /** Starts the thread (it loads its modules) without opening listeners; listen() does it too. */
  warmUp(): void {
    if (!this.stopped) this.started();
  }

  private started(): Worker {
    clearTimeout(this.warmUpTimer);
    if (this.worker) return this.worker;
    const worker = startWorker(this.directoryPort!);
    this.directoryPort = undefined;
    worker.unref(); // the daemon's own handles decide when the process ends
    worker.on('message', (m: IntakeToHost) => this.received(m));
    worker.on('error', (err) => this.failed(err));
    worker.on('exit', (code) => this.failed(new Error(`SMTP sessions thread exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }

  /** Deliveries received in full and not yet answered (waiting for the command log). */
  get deliveriesInFlight(): number { return this.inFlight; }

  get listening(): boolean { return this.addresses !== undefined; }

  /** The bound address of a listener (the real port when 0 was asked for). */
  address(kind: ListenerKind): { host: string; port: number } {
    const address = this.addresses?.[kind];
    if (!address) throw new Error(`SMTP ${kind} listener is not listening`);
    return address;
  }

  /** Opens the three listeners on the sessions' thread; rejects with the reason one could not open. */
  async listen(options: ThreadListenOptions): Promise<Addresses> {
    if (this.addresses) throw new Error('SMTP listeners are already open');
    const reply = await this.exchange({ t: 'listen', options, logLevels: this.options.logLevels });
    if (reply.t === 'listen-failed') throw new Error(reply.message);
    if (reply.t !== 'listening') throw new Error(`SMTP sessions thread answered ${reply.t} to listen`);
    this.addresses = reply.addresses;
    return reply.addresses;
  }

  /**
   * SmtpIntake.updateTls() on the sessions' thread: a renewed certificate for connections from now
   * on (the caller has checked that it loads). Without a thread there is nothing to tell: the next
   * listen() carries the caller's material.
   */
  updateTls(tls: ThreadListenOptions['tls']): void {
    this.post({ t: 'tls', tls });
  }

  /** SmtpIntake.close() on the sessions' thread: 421 to every session once in-flight deliveries are answered. */
  async close(): Promise<void> {
    if (!this.addresses) return;
    this.addresses = undefined;
    await this.exchange({ t: 'close' });
  }

  /** Ends the thread (the daemon is stopping); close() first. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.warmUpTimer);
    this.options.reader.events.off('directory', this.directoryChanged);
    this.directory.close();
    this.directoryPort?.close();
    await this.worker?.terminate();
  }

  private exchange(m: HostToIntake): Promise<IntakeToHost> {
    if (this.stopped) return Promise.reject(new Error('the SMTP sessions thread is not running'));
    if (this.step) return Promise.reject(new Error('SMTP listeners are being opened or closed already'));
    return new Promise((resolve, reject) => {
      this.step = { resolve, reject };
      this.started().postMessage(m);
    });
  }

  private post(m: HostToIntake): void {
    if (!this.stopped) this.worker?.postMessage(m);
  }

  private received(m: IntakeToHost): void {
    switch (m.t) {
      case 'listening': case 'listen-failed': case 'closed': {
        const step = this.step;
        this.step = undefined;
        step?.resolve(m);
        return;
      }
      case 'log':
        this.options.logger[m.level](m.fields, m.message);
        return;
      case 'questions':
        for (const q of m.questions) this.asked(q);
        return;
    }
  }

  private asked(m: Question): void {
    switch (m.t) {
      case 'rcpt':
        this.answer(m.id, m.session.id, this.backend.checkRecipient(m.address, m.session));
        return;
      case 'user':
        this.answer(m.id, '', this.backend.lookupUser(m.username));
        return;
      case 'deliver': {
        this.inFlight += 1;
        // Bytes arrive as a Uint8Array (structured clone); the store takes a Buffer view of them.
        const raw = Buffer.from(m.request.raw.buffer, m.request.raw.byteOffset, m.request.raw.byteLength);
        const done = this.backend.deliver({ ...m.request, raw }, m.session);
        void done.finally(() => { this.inFlight -= 1; }).catch(() => undefined);
        this.answer(m.id, m.session.id, done);
        return;
      }
    }
  }

  private answer(id: number, sessionId: string, result: Promise<unknown>): void {
    result.then(
      (value) => this.answers.add({ id, value }),
      (err: unknown) => this.answers.add({ id, decision: toSmtpReply(err, { sessionId, logger: this.options.logger }) }),
    );
  }

  private failed(err: Error): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.warmUpTimer);
    this.options.reader.events.off('directory', this.directoryChanged);
    this.addresses = undefined;
    const step = this.step;
    this.step = undefined;
    step?.reject(err);
    const onFailure = this.options.onFailure ?? ((e: Error) => { process.nextTick(() => { throw e; }); });
    onFailure(err);
  }
}

function startWorker(directory: MessagePort): Worker {
  return startModuleWorker(import.meta.url, 'intake-thread-worker', { workerData: { directory }, transferList: [directory] });
}
