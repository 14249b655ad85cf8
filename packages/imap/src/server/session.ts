/**
 * One IMAP connection: the state machine of RFC 9051 §3 (not authenticated → authenticated ⇄
 * selected → logout), the input loop, and the output with backpressure.
 *
 * Commands run one at a time, in the order received (pipelined commands wait in the reader; the
 * socket is paused when too much is buffered). Each command's responses are written to `out` and
 * flushed; a handler that produces a lot (FETCH 1:*) flushes as it goes and waits for the socket to
 * drain, so memory stays bounded however slow the client reads.
 *
 * Errors become replies only in runCommand() (through response-for-error.ts).
 */
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { limits } from '@tandem/config';
import { validateMailboxName } from '@tandem/store';
import type { ApplyResult, ApplyValue, Command } from '@tandem/store';
import { CommandReader } from '../wire/command-reader.js';
import { parseCommand } from '../wire/parse-command.js';
import type { ImapCommand } from '../wire/command-types.js';
import { ImapParseError } from '../wire/parse-error.js';
import { ResponseWriter } from '../wire/value-encoder.js';
import { writeContinuation, writeTagged, writeUntaggedStatus } from '../wire/response-encoder.js';
import type { ResponseCode } from '../wire/response-encoder.js';
import { decodeMailboxName, encodeMailboxName } from '../mailbox-name-codec.js';
import type { MailboxNameEncoding } from '../mailbox-name-codec.js';
import { capabilityList } from './capabilities.js';
import type { CommandResult, SessionState } from './command-handler.js';
import { handlerFor } from './command-table.js';
import { CommandRateLimiter } from './command-rate-limiter.js';
import { ClientGoneError, ImapBadError, StoreCommandError } from './imap-errors.js';
import { replyForError } from './response-for-error.js';
import type { SelectedMailbox } from './selected-mailbox.js';
import type { ServerContext } from './server-context.js';

export type ListenerKind = 'imap' | 'imaps';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type ProposedCommand = DistributiveOmit<Command, 'timestampMs'>;

export class Session {
  state: SessionState = 'not-authenticated';
  user: string | null = null;
  selected: SelectedMailbox | null = null;
  /** Capabilities the client turned on with ENABLE or by using them (RFC 5161, RFC 7162 §3.1). */
  readonly enabled = new Set<string>();
  /** RFC 5182 SEARCHRES "$": UIDs of the last SEARCH ... RETURN (SAVE). */
  savedSearch: number[] | null = null;
  authFailures = 0;
  private socket: Socket;
  private reader = new CommandReader();
  private writer: ResponseWriter | null = null;
  private busy = false;
  private closed = false;
  /** A BYE is on its way: nothing else may be written (RFC 9051 §7.1.5). */
  private ending = false;
  private paused = false;
  private inputWaiter: (() => void) | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private readonly rate: CommandRateLimiter;
  private readonly closeWaiters: Array<() => void> = [];
  private readonly onData = (chunk: Buffer): void => this.receive(chunk);
  private readonly onClose = (): void => this.closedByPeer();
  private readonly onError = (err: Error): void => this.server.logger.debug({ session: this.id, err: err.message }, 'IMAP socket error');

  constructor(
    readonly id: string,
    socket: Socket,
    readonly server: ServerContext,
    readonly listener: ListenerKind,
    /** Client address, for limits, throttling and logs. */
    readonly remoteAddress: string,
  ) {
    this.socket = socket;
    this.rate = new CommandRateLimiter(server.commandRate.perSecond, server.commandRate.burst);
    this.attach(socket);
  }

  // ---- state the handlers read ----

  get secure(): boolean { return this.socket instanceof TLSSocket; }

  /** RFC 9051 §6.2.3 / DESIGN.md §7: plaintext passwords only over TLS, or on loopback in dev mode. */
  get loginAllowed(): boolean {
    return this.secure || (this.server.devLoopbackPlainAuth && isLoopback(this.remoteAddress));
  }

  get condstore(): boolean { return this.enabled.has('CONDSTORE'); }
  get qresync(): boolean { return this.enabled.has('QRESYNC'); }
  get rev2(): boolean { return this.enabled.has('IMAP4REV2'); }
  /** RFC 6855 §3 (and RFC 9051 for IMAP4rev2): UTF-8 in quoted strings and mailbox names. */
  get utf8(): boolean { return this.enabled.has('UTF8=ACCEPT') || this.rev2; }
  get nameEncoding(): MailboxNameEncoding { return this.utf8 ? 'utf8' : 'utf7'; }

  capabilities(): string[] {
    return capabilityList({
      authenticated: this.state !== 'not-authenticated',
      canStartTls: this.listener === 'imap' && !this.secure,
      loginAllowed: this.loginAllowed,
    });
  }

  /** The writer for responses not yet flushed. */
  get out(): ResponseWriter {
    return (this.writer ??= new ResponseWriter({ utf8: this.utf8 }));
  }

  /** A mailbox name from a command → the store's name; BAD for bad encoding, NO [CANNOT] for a name the store refuses. */
  mailboxName(wire: string): string {
    return validateMailboxName(decodeMailboxName(wire, this.nameEncoding));
  }

  /** A LIST/LSUB reference or pattern from a command (wildcards kept, no validation). */
  mailboxPattern(wire: string): string {
    return decodeMailboxName(wire, this.nameEncoding);
  }

  wireName(name: string): string {
    return encodeMailboxName(name, this.nameEncoding);
  }

  requireUser(): string {
    if (this.user === null) throw new ImapBadError('Log in first');
    return this.user;
  }

  requireSelected(): SelectedMailbox {
    if (!this.selected) throw new ImapBadError('No mailbox selected');
    return this.selected;
  }

  // ---- writes through the command log ----

  /** Proposes a command stamped with the proposer's clock; resolves after it is applied (DESIGN.md §3). */
  proposeRaw(command: ProposedCommand): Promise<ApplyResult> {
    return this.server.commandLog.propose({ ...command, timestampMs: this.server.nowMs() } as Command);
  }

  /** Like proposeRaw, but an `{ ok: false }` result is thrown as a StoreCommandError. */
  async propose<V extends ApplyValue>(command: ProposedCommand): Promise<V> {
    const result = await this.proposeRaw(command);
    if (!result.ok) throw new StoreCommandError(result.error, result.message);
    return result.value as V;
  }

  // ---- selection ----

  select(view: SelectedMailbox): void {
    this.deselect();
    this.selected = view;
    this.state = 'selected';
    this.server.hub.add(view);
  }

  deselect(): void {
    if (this.selected) this.server.hub.remove(this.selected);
    this.selected = null;
    this.savedSearch = null;
    if (this.state === 'selected') this.state = 'authenticated';
  }

  /** Writes the selected mailbox's pending updates (selected-mailbox.ts says when which may go). */
  announce(expunges: boolean): void {
    const view = this.selected;
    if (!view) return;
    view.announce(this.out, { expunges, condstore: this.condstore, qresync: this.qresync, rev2: this.rev2 });
  }

  // ---- output ----

  /** Writes everything in `out`; waits while the socket's buffer is full (backpressure). */
  async flush(): Promise<void> {
    const writer = this.writer;
    this.writer = null;
    if (!writer || this.closed || this.ending) return;
    let room = true;
    // One writev for the text and literal chunks of the responses, not one packet each (the
    // socket has Nagle off, so every write would otherwise go out on its own).
    this.socket.cork();
    for (const chunk of writer.toChunks()) room = this.socket.write(chunk);
    this.socket.uncork();
    if (!room) await this.drain();
  }

  private drain(): Promise<void> {
    return new Promise((resolve) => {
      const socket = this.socket;
      const done = (): void => {
        clearTimeout(timer);
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      // limits.imapOutputStallMs: a client that stops reading is disconnected.
      const timer = setTimeout(() => { socket.destroy(); done(); }, this.server.timeouts.outputStallMs);
      socket.once('drain', done);
      socket.once('close', done);
    });
  }

  // ---- input ----

  /** Starts the session: the greeting (RFC 9051 §7.1.1), with capabilities to save a round trip. */
  async greet(): Promise<void> {
    writeUntaggedStatus(this.out, 'OK', `${this.server.hostname} Tandem Mail IMAP ready`, { code: 'CAPABILITY', capabilities: this.capabilities() });
    this.resetIdleTimer();
    await this.flush();
  }

  /**
   * The next line the client sends outside a command: an AUTHENTICATE response (RFC 9051 §6.2.2)
   * or IDLE's "DONE" (RFC 2177). Rejects with ClientGoneError when the connection ends.
   */
  async readLine(): Promise<Buffer> {
    for (;;) {
      if (this.closed) throw new ClientGoneError();
      const event = this.reader.nextLine();
      if (event?.type === 'line') return event.line;
      if (event?.type === 'error') throw event.error;
      this.resumeIfRoom();
      await new Promise<void>((resolve) => { this.inputWaiter = resolve; });
    }
  }

  private receive(chunk: Buffer): void {
    if (this.closed || this.state === 'logout') return;
    this.reader.push(chunk);
    this.resetIdleTimer();
    if (this.reader.bufferedBytes > limits.imapInputBufferBytesMax && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
    const waiter = this.inputWaiter;
    this.inputWaiter = null;
    waiter?.();
    void this.pump();
  }

  private resumeIfRoom(): void {
    if (this.paused && this.reader.bufferedBytes <= limits.imapInputBufferBytesMax && !this.closed) {
      this.paused = false;
      this.socket.resume();
    }
  }

  /** Runs the commands the reader has framed, one at a time. */
  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (!this.closed && !this.ending && this.state !== 'logout') {
        const event = this.reader.next();
        if (event === null) break;
        if (event.type === 'continue') {
          // RFC 9051 §7.5: the client may send the synchronising literal now.
          writeContinuation(this.out);
          await this.flush();
        } else if (event.type === 'error') {
          await this.replyToFramingError(event.error);
        } else {
          await this.waitForRate();
          await this.runCommand(event.bytes);
        }
      }
    } catch (err) {
      this.server.logger.error({ session: this.id, err: errorText(err) }, 'IMAP session failed');
      this.destroy();
    } finally {
      this.busy = false;
      this.resumeIfRoom();
      this.resetIdleTimer();
    }
  }

  private async waitForRate(): Promise<void> {
    const delayMs = this.rate.take(Date.now());
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  }

  private async replyToFramingError(error: ImapParseError): Promise<void> {
    if (error.fatal) {
      await this.bye(error.reason);
      return;
    }
    if (error.tag === null) writeUntaggedStatus(this.out, 'BAD', error.reason, error.code);
    else writeTagged(this.out, error.tag, error.status, error.reason, error.code);
    await this.flush();
  }

  // ---- one command ----

  private async runCommand(bytes: Buffer): Promise<void> {
    let command: ImapCommand;
    try {
      command = parseCommand(bytes, { utf8: this.utf8 });
    } catch (err) {
      if (!(err instanceof ImapParseError)) throw err;
      await this.replyToFramingError(err);
      return;
    }
    const handler = handlerFor(command);
    const expunges = handler.expungesAllowed ? handler.expungesAllowed(command) : true;
    let result: CommandResult;
    try {
      if (!handler.states.includes(this.state)) throw new ImapBadError(stateRefusal(this.state, command.name, handler.states));
      result = await handler.run(this, command);
    } catch (err) {
      await this.replyToError(command, err, expunges);
      return;
    }
    if (this.closed || this.ending) return;
    this.announceOrEnd(expunges);
    if (this.ending) return;
    writeTagged(this.out, command.tag, 'OK', result.text, result.code ?? null);
    await this.flush();
    await result.after?.();
  }

  private async replyToError(command: ImapCommand, err: unknown, expunges: boolean): Promise<void> {
    if (err instanceof ClientGoneError || this.closed || this.ending) return;
    const reply = replyForError(err);
    if (reply.unexpected) {
      this.server.logger.error({ session: this.id, user: this.user, command: command.name, err: errorText(err) }, 'IMAP command failed');
    }
    if (reply.kind === 'bye') {
      await this.bye(reply.text, reply.code);
      return;
    }
    if (reply.status === 'NO') this.announceOrEnd(expunges);
    if (this.ending) return;
    writeTagged(this.out, command.tag, reply.status, reply.text, reply.code);
    await this.flush();
  }

  /** Pending mailbox updates; a selected mailbox deleted or renamed by someone else ends the session. */
  private announceOrEnd(expunges: boolean): void {
    const view = this.selected;
    if (view?.gone) {
      void this.bye(`Selected mailbox was ${view.gone} by another session`);
      return;
    }
    this.announce(expunges);
  }

  // ---- ending ----

  /** Untagged BYE (RFC 9051 §7.1.5), then the connection is closed. */
  async bye(text: string, code: ResponseCode | null = null): Promise<void> {
    if (this.closed || this.ending) return;
    // Responses of a command still running are dropped: after BYE nothing else may follow.
    this.ending = true;
    this.writer = null;
    const out = new ResponseWriter({ utf8: this.utf8 });
    writeUntaggedStatus(out, 'BYE', text, code);
    for (const chunk of out.toChunks()) this.socket.write(chunk);
    this.end(); // socket.end() sends what is queued, then closes
  }

  /** Closes after what was written has been sent. */
  end(): void {
    if (this.closed) return;
    this.state = 'logout';
    this.socket.end();
    this.cleanUp();
  }

  destroy(): void {
    this.socket.destroy();
    this.cleanUp();
  }

  /** Resolves once the connection is closed. */
  whenClosed(): Promise<void> {
    if (this.closed && this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => this.closeWaiters.push(resolve));
  }

  private closedByPeer(): void {
    this.cleanUp();
    for (const resolve of this.closeWaiters.splice(0)) resolve();
  }

  private cleanUp(): void {
    if (this.closed) return;
    this.closed = true;
    this.state = 'logout';
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.deselect();
    if (this.user !== null) this.server.connections.closeUser(this.user);
    this.server.connections.closeConnection(this.remoteAddress);
    const waiter = this.inputWaiter;
    this.inputWaiter = null;
    waiter?.();
  }

  /** RFC 9051 §5.4 autologout: at least 30 minutes once logged in (limits.imapIdleTimeoutMs). */
  private resetIdleTimer(): void {
    if (this.closed) return;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const { idleTimeoutMs, unauthenticatedIdleTimeoutMs } = this.server.timeouts;
    const timeoutMs = this.state === 'not-authenticated' ? unauthenticatedIdleTimeoutMs : idleTimeoutMs;
    this.idleTimer = setTimeout(() => {
      if (this.busy && this.inputWaiter === null) { this.resetIdleTimer(); return; } // a long command is not idleness
      void this.bye('Autologout; idle for too long');
    }, timeoutMs);
    this.idleTimer.unref();
  }

  // ---- STARTTLS (RFC 9051 §6.2.1) ----

  /** Switches the connection to TLS. Input received before the handshake is discarded (command injection, RFC 9051 §6.2.1). */
  async startTls(): Promise<void> {
    const plain = this.socket;
    this.detach(plain);
    this.reader = new CommandReader();
    if (this.paused) {
      this.paused = false;
      plain.resume();
    }
    const secure = new TLSSocket(plain, { isServer: true, secureContext: this.server.secureContext });
    this.socket = secure;
    this.attach(secure);
    await new Promise<void>((resolve) => {
      // A client that never finishes the handshake is not idle input; it gets the pre-login timer.
      const timer = setTimeout(() => secure.destroy(), this.server.timeouts.unauthenticatedIdleTimeoutMs);
      const done = (): void => { clearTimeout(timer); secure.off('secure', done); secure.off('close', done); resolve(); };
      secure.once('secure', done);
      secure.once('close', done);
    });
  }

  private attach(socket: Socket): void {
    socket.on('data', this.onData);
    socket.on('close', this.onClose);
    socket.on('error', this.onError);
  }

  private detach(socket: Socket): void {
    socket.off('data', this.onData);
    socket.off('close', this.onClose);
    // Keep an error listener: an error on the raw socket after the switch must not crash the process.
  }
}

function stateRefusal(state: SessionState, name: string, allowed: readonly SessionState[]): string {
  if (allowed.includes('not-authenticated') && !allowed.includes('authenticated')) return `${name} is not allowed once logged in`;
  if (state === 'not-authenticated') return `${name} needs you to log in first`;
  if (state === 'authenticated' && allowed.includes('selected')) return `${name} needs a selected mailbox`;
  return `${name} is not allowed now`;
}

function isLoopback(address: string): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1' || address.startsWith('127.');
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
