/**
 * The outbound queue's delivery agent: on the node that serves (a single node; the cluster's
 * leader while it holds the VIP), it looks for queued messages whose next attempt is due, delivers
 * each to its remote recipients (the relay, or each domain's MX hosts in order, RFC 5321 §5.1),
 * and records what happened through the log (queue.attempt, apply-queue.ts in @tandem/store).
 *
 * Guarantees, and what they rest on:
 *  - A queued message is never lost: the entry and its file are replicated state, removed only by
 *    the queue.attempt that records the last recipient's final outcome, or by the admin.
 *  - A recipient is delivered at least once, not exactly once: a node that delivered and died
 *    before its queue.attempt committed leaves the recipient pending, and the next leader delivers
 *    again. Every MTA has this window (RFC 5321 §6.1 accepts duplicates over loss).
 *  - The sender hears of every failure: a permanent refusal, or a deferral past the queue's
 *    lifetime (4.4.7), makes a delivery status notification (RFC 3464), proposed before the
 *    outcome is, with a dedupe key per entry and attempt so a repeat after a failover is stored
 *    once. A recipient still deferred after limits.outboundDelayWarningMs gets the sender one
 *    "delayed" warning per message (its dedupe key is per message). No notification answers the
 *    null sender (RFC 5321 §4.5.5).
 */
import { randomInt } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { limits, type OutboundConfig } from '@tandem/config';
import {
  QueuedMessageNotFoundError, parseAddress,
  type CommandLog, type MessageDeliver, type MessageSend, type QueueAttempt, type QueueEntry, type QueueOutcome, type StoreReader,
} from '@tandem/store';
import { statusFromReply, type DsnRecipient } from './delivery-status.js';
import { serverDsn, serverMessage } from '../server-message.js';
import { PermanentRouteError, TemporaryRouteError, dnsLookup, resolveRoute, type DnsLookup } from './mx-route.js';
import { expired, nextAttemptMs } from './retry-schedule.js';
import { stripLeadingReturnPath } from './strip-return-path.js';
import { signMessage, type DkimKey } from './dkim-signer.js';
import { sendToHost, type HostTarget, type RecipientReply } from './send-to-host.js';

export interface OutboundLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface OutboundQueueOptions {
  reader: StoreReader;
  commandLog: CommandLog;
  logger: OutboundLogger;
  /** Our name: EHLO, and the reporting MTA of bounces. */
  hostname: string;
  config: OutboundConfig;
  /** The relay's AUTH password (read from config.relay.passwordFile by the daemon). */
  relayPassword?: string | undefined;
  /** DKIM keys (read from config.dkim by the daemon); mail whose From domain has one is signed. */
  dkimKeys?: readonly DkimKey[];
  /**
   * Connect from this address: a cluster's VIP, which the serving node holds, so mail leaves from
   * the one address SPF, PTR and the HELO name are published for, whichever node leads.
   */
  sourceAddress?: string | undefined;
  nowMs?: () => number;
  /** For the order of equal-preference MX hosts (RFC 5321 §5.1). */
  random?: () => number;
  /** Default: node's resolver on config.dnsServers (or the system's). */
  dns?: DnsLookup;
  /** Called once per recipient outcome (metrics). */
  onOutcome?: (outcome: QueueOutcome) => void;
}

/** One recipient's result of an attempt, with what a bounce needs. */
interface Result { outcome: QueueOutcome; reply: string; status: string; remoteMta?: string }

export class OutboundQueue {
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Map<string, Promise<void>>();
  /**
   * Entries whose last attempt failed here before its outcome was recorded (a proposal refused, a
   * store error): not tried again before this time, so a local fault does not knock on remote
   * servers every scan. Local to this node; a new leader starts without it.
   */
  private readonly heldBack = new Map<string, number>();
  private scanning = false;
  /** Aborted by stop(): transactions under way are cut, and their outcomes are not recorded. */
  private stopping = new AbortController();
  private readonly dns: DnsLookup;
  private readonly nowMs: () => number;
  private readonly random: () => number;

  constructor(private readonly options: OutboundQueueOptions) {
    this.dns = options.dns ?? dnsLookup(options.config.dnsServers);
    this.nowMs = options.nowMs ?? Date.now;
    this.random = options.random ?? (() => randomInt(2 ** 32) / 2 ** 32);
  }

  start(): void {
    if (this.timer) return;
    if (this.stopping.signal.aborted) this.stopping = new AbortController();
    this.timer = setInterval(() => this.scan(), limits.outboundScanIntervalMs);
    this.scan();
  }

  /** One scan, and every attempt it started, to their end (tests; `tandem queue retry`). */
  async runOnce(): Promise<void> {
    this.scan();
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /**
   * Stops looking for work and cuts the transactions under way (a leader stepping down must not
   * hold its hand-over for a remote server's timeout): their recipients stay pending, and the next
   * serving node tries them again (at least once, DESIGN §4).
   */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.stopping.abort();
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /** Starts an attempt for each due entry not already under way, up to the concurrency limit. */
  private scan(): void {
    if (this.scanning) return;
    this.scanning = true;
    try {
      const now = this.nowMs();
      // Unsorted and uncopied: this runs every second, and a queue backed up for a day is long.
      for (const entry of this.options.reader.queueEntries()) {
        if (this.inFlight.size >= limits.outboundConcurrentDeliveriesMax) break;
        if (entry.nextAttemptMs > now || this.inFlight.has(entry.queueId) || (this.heldBack.get(entry.queueId) ?? 0) > now) continue;
        const id = entry.queueId;
        this.heldBack.delete(id);
        const run = this.attempt(entry).catch((err: unknown) => {
          this.heldBack.set(id, this.nowMs() + limits.outboundRetryDelaysMs[0]!);
          this.options.logger.error({ err, queueId: id }, 'outbound: an attempt failed; the entry stays queued and is tried again in a minute');
        }).finally(() => { this.inFlight.delete(id); });
        this.inFlight.set(id, run);
      }
    } finally {
      this.scanning = false;
    }
  }

  private async attempt(entry: QueueEntry): Promise<void> {
    const pending = entry.recipients.filter((r) => r.state === 'pending').map((r) => r.address);
    if (pending.length === 0) return;
    let bytes: Buffer;
    try {
      bytes = await this.options.reader.readQueued(entry.queueId);
    } catch (err) {
      if (err instanceof QueuedMessageNotFoundError) return; // removed meanwhile
      throw err;
    }
    const results = new Map<string, Result>();
    const outgoing = await this.signed(entry, stripLeadingReturnPath(bytes));
    for (const [destination, rcpts] of this.destinations(pending)) {
      for (const [rcpt, result] of await this.deliverTo(destination, rcpts, entry, outgoing)) results.set(rcpt, result);
    }
    if (this.stopping.signal.aborted) return; // cut short: what was found is not the remote servers' answer
    const now = this.nowMs();
    if (expired(entry.arrivalMs, now)) {
      for (const [rcpt, r] of results) {
        if (r.outcome !== 'deferred') continue;
        results.set(rcpt, { ...r, outcome: 'failed', status: '4.4.7', reply: `gave up after ${Math.round((now - entry.arrivalMs) / 3600_000)} hours in the queue; last reply: ${r.reply}` });
      }
    }
    await this.report(entry, results, bytes, now);
    const command: QueueAttempt = {
      type: 'queue.attempt', timestampMs: now, queueId: entry.queueId,
      recipients: [...results.keys()], outcomes: [...results.values()].map((r) => r.outcome), replies: [...results.values()].map((r) => r.reply),
      nextAttemptMs: nextAttemptMs(entry.attempts + 1, now),
    };
    const recorded = await this.options.commandLog.propose(command);
    if (!recorded.ok && recorded.error !== 'NOTFOUND') {
      this.options.logger.error({ queueId: entry.queueId, error: recorded.error, message: recorded.message }, 'outbound: the attempt could not be recorded');
    }
    for (const [rcpt, r] of results) {
      this.options.onOutcome?.(r.outcome);
      const fields = {
        queueId: entry.queueId, to: rcpt, relay: r.remoteMta ?? 'none', attempts: entry.attempts + 1,
        delaySeconds: Math.round((now - entry.arrivalMs) / 1000), status: r.outcome === 'delivered' ? 'sent' : r.outcome === 'failed' ? 'bounced' : 'deferred', reply: r.reply,
      };
      if (r.outcome === 'deferred') this.options.logger.warn({ ...fields, nextAttemptMs: command.nextAttemptMs }, 'outbound delivery');
      else this.options.logger.info(fields, 'outbound delivery');
    }
  }

  /** The message DKIM-signed when a key applies (dkim-signer.ts); unsigned, and logged, when signing fails. */
  private async signed(entry: QueueEntry, message: Buffer): Promise<Buffer> {
    try {
      return (await signMessage(this.options.dkimKeys ?? [], message, entry.mailFrom, this.nowMs())).message;
    } catch (err) {
      this.options.logger.error({ queueId: entry.queueId, err: (err as Error).message }, 'outbound: DKIM signing failed; sent unsigned');
      return message;
    }
  }

  /** Recipients grouped by where they go: all to the relay, or per domain. */
  private destinations(rcpts: readonly string[]): Map<string, string[]> {
    const groups = new Map<string, string[]>();
    for (const rcpt of rcpts) {
      const key = this.options.config.relay ? '' : parseAddress(rcpt).domain;
      groups.set(key, [...(groups.get(key) ?? []), rcpt]);
    }
    return groups;
  }

  /** The servers to try for a destination, in order, or every recipient's result when there are none. */
  private async targets(domain: string): Promise<HostTarget[] | Result> {
    const { relay, mxPort } = this.options.config;
    if (relay) {
      const auth = relay.user !== undefined && this.options.relayPassword !== undefined ? { user: relay.user, pass: this.options.relayPassword } : undefined;
      const addresses = await this.relayAddresses(relay.host);
      if (!Array.isArray(addresses)) return addresses;
      return addresses.map((address) => ({
        address, host: relay.host, port: relay.port, tls: relay.tls, verifyCertificate: relay.tlsVerify, ...(auth ? { auth } : {}),
        sourceAddress: this.options.sourceAddress,
      }));
    }
    try {
      const route = await resolveRoute(domain, this.dns, this.random);
      return route.hosts.flatMap((h) => h.addresses.map((address): HostTarget => ({
        address, host: h.host, port: mxPort, tls: 'opportunistic', verifyCertificate: false, sourceAddress: this.options.sourceAddress,
      })))
        .slice(0, limits.outboundMxHostsMax);
    } catch (err) {
      if (err instanceof PermanentRouteError) return { outcome: 'failed', status: err.status, reply: err.reply };
      if (err instanceof TemporaryRouteError) return { outcome: 'deferred', status: err.status, reply: err.reply };
      throw err;
    }
  }

  /**
   * The relay by name: an address as it is, a name through the system's resolver (getaddrinfo:
   * /etc/hosts first, as an admin expects of a host they configured; an MX is found in DNS only).
   */
  private async relayAddresses(host: string): Promise<string[] | Result> {
    if (isIP(host) !== 0) return [host];
    try {
      const found = await lookup(host, { all: true });
      if (found.length > 0) return found.map((a) => a.address);
    } catch { /* said below */ }
    return { outcome: 'deferred', status: '4.4.3', reply: `4.4.3 the relay ${host} has no address (the system's resolver found none)` };
  }

  private async deliverTo(domain: string, rcpts: string[], entry: QueueEntry, bytes: Buffer): Promise<Map<string, Result>> {
    const results = new Map<string, Result>();
    const targets = await this.targets(domain);
    if (!Array.isArray(targets)) {
      for (const rcpt of rcpts) results.set(rcpt, targets);
      return results;
    }
    const unreachable: string[] = [];
    for (const target of targets) {
      let outcome = await sendToHost(target, { mailFrom: entry.mailFrom, rcptTo: rcpts }, bytes, this.options.hostname, this.stopping.signal);
      // Opportunistic TLS (RFC 7435 §5): a server whose STARTTLS fails still gets the mail in
      // plaintext, as Postfix's "may" level does; a relay's required TLS never falls back.
      if (outcome.kind === 'unreachable' && outcome.tlsFailed && target.tls === 'opportunistic') {
        this.options.logger.warn({ queueId: entry.queueId, host: target.host, address: target.address, reason: outcome.reason }, 'outbound: TLS handshake failed; trying again in plaintext');
        outcome = await sendToHost({ ...target, tls: 'none' }, { mailFrom: entry.mailFrom, rcptTo: rcpts }, bytes, this.options.hostname, this.stopping.signal);
      }
      const name = `${target.host}[${target.address}]:${target.port}`;
      if (outcome.kind === 'unreachable') {
        unreachable.push(`${name}: ${outcome.reason}`);
        continue;
      }
      for (const rcpt of rcpts) results.set(rcpt, resultOf(outcome.replies.get(rcpt)!, name));
      return results;
    }
    // RFC 3463 §3.5 X.4.1: no answer from host.
    const reply = `4.4.1 no server answered: ${unreachable.join('; ') || 'no address to try'}`.slice(0, limits.outboundReplyCharsMax);
    for (const rcpt of rcpts) results.set(rcpt, { outcome: 'deferred', status: '4.4.1', reply });
    return results;
  }

  /**
   * The sender's reports for this attempt: a bounce for the recipients that failed (once per
   * attempt), and — once per message — a warning when some are still deferred past
   * limits.outboundDelayWarningMs (RFC 3464 action "delayed": nothing to resend, we keep trying).
   */
  private async report(entry: QueueEntry, results: ReadonlyMap<string, Result>, original: Buffer, now: number): Promise<void> {
    const dsnRecipients = (outcome: QueueOutcome, action: DsnRecipient['action']): DsnRecipient[] => [...results]
      .filter(([, r]) => r.outcome === outcome)
      .map(([address, r]) => ({ address, action, status: r.status, diagnostic: r.reply, lastAttemptMs: now, ...(r.remoteMta ? { remoteMta: r.remoteMta.replace(/\[.*$/, '') } : {}) }));
    const failed = dsnRecipients('failed', 'failed');
    if (failed.length > 0) await this.notifySender(entry, failed, original, now, `dsn:${entry.queueId}:${entry.attempts + 1}`, 'bounce');
    const delayed = now - entry.arrivalMs >= limits.outboundDelayWarningMs ? dsnRecipients('deferred', 'delayed') : [];
    const warned = `delay:${entry.queueId}`;
    if (delayed.length > 0 && this.options.reader.findDelivery(warned) === undefined) await this.notifySender(entry, delayed, original, now, warned, 'delay warning');
  }

  private async notifySender(entry: QueueEntry, recipients: DsnRecipient[], original: Buffer, now: number, dedupeKey: string, what: string): Promise<void> {
    if (entry.mailFrom === '') {
      this.options.logger.warn({ queueId: entry.queueId, to: recipients.map((f) => f.address) }, `outbound: no ${what} for a message from the null sender (RFC 5321 §4.5.5)`);
      return;
    }
    const { hostname } = this.options;
    const message = serverDsn(hostname, {
      to: entry.mailFrom, queueId: entry.queueId, arrivalMs: entry.arrivalMs, dateMs: now,
      messageId: `<${dedupeKey.replace(/:/g, '.')}@${hostname}>`, recipients, original,
    });
    const users = this.options.reader.resolveRecipient(entry.mailFrom);
    const base = serverMessage({ rcptTo: [entry.mailFrom], users, dedupeKey, message, timestampMs: now });
    let command: MessageDeliver | MessageSend;
    if (users.length > 0) command = base;
    else if (!this.options.reader.isLocalDomain(parseAddress(entry.mailFrom).domain)) command = { ...base, type: 'message.send', remote: [entry.mailFrom] };
    else {
      this.options.logger.warn({ queueId: entry.queueId, sender: entry.mailFrom }, `outbound: the sender is no longer a local user; the ${what} goes nowhere`);
      return;
    }
    const proposed = await this.options.commandLog.propose(command);
    if (!proposed.ok) throw new Error(`the ${what} for ${entry.queueId} was refused: ${proposed.error} ${proposed.message}`);
    this.options.logger.info({ queueId: entry.queueId, reportQueueId: base.queueId, to: entry.mailFrom, recipients: recipients.map((f) => f.address) }, `outbound: ${what} sent to the sender`);
  }
}

function resultOf(reply: RecipientReply, remoteMta: string): Result {
  if (reply.code >= 200 && reply.code < 300) return { outcome: 'delivered', reply: reply.reply, status: '2.0.0', remoteMta };
  const status = statusFromReply(reply.reply);
  // 5xx is permanent (RFC 5321 §4.2.1); 4xx, and anything unexpected, is tried again.
  return { outcome: reply.code >= 500 && reply.code < 600 ? 'failed' : 'deferred', reply: reply.reply, status, remoteMta };
}
