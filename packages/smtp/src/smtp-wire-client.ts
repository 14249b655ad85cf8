import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, type TLSSocket } from 'node:tls';

/**
 * A deliberately dumb SMTP client for tests and benchmarks: it writes exactly the bytes it is
 * given and parses replies (RFC 5321 §4.2: "code-text" continuation lines, "code text" last line).
 * Real clients (nodemailer) refuse to send the malformed input the tests need.
 */
export interface SmtpResponse {
  code: number;
  /** RFC 3463 enhanced status code of the last line, when there is one. */
  enhancedCode: string | undefined;
  /** Text of every line, code (and enhanced code) removed. */
  lines: string[];
}

export class SmtpConnectionClosedError extends Error {
  override readonly name = 'SmtpConnectionClosedError';
  constructor(readonly pendingBytes: string) { super(`connection closed${pendingBytes ? ` (partial reply ${JSON.stringify(pendingBytes)})` : ' without a reply'}`); }
}

export interface WireClientOptions {
  host?: string;
  /** Implicit TLS (RFC 8314); certificates are not verified (test servers are self-signed). */
  tls?: boolean;
}

export class SmtpWireClient {
  greeting!: SmtpResponse;
  private buffer = '';
  private waiters: Array<{ resolve: (r: SmtpResponse) => void; reject: (e: Error) => void }> = [];
  private ready: SmtpResponse[] = [];
  private closedError: SmtpConnectionClosedError | undefined;
  readonly closed: Promise<void>;
  private markClosed!: () => void;

  private constructor(private socket: Socket | TLSSocket) {
    this.closed = new Promise((resolve) => { this.markClosed = resolve; });
    this.attach(socket);
  }

  static async connect(port: number, options: WireClientOptions = {}): Promise<SmtpWireClient> {
    const host = options.host ?? '127.0.0.1';
    const socket = options.tls
      ? connectTls({ host, port, rejectUnauthorized: false })
      : connectTcp({ host, port });
    await new Promise<void>((resolve, reject) => {
      socket.once(options.tls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    socket.setNoDelay(true);
    const client = new SmtpWireClient(socket);
    client.greeting = await client.readReply();
    return client;
  }

  /** Sends one command line (CRLF added) and waits for its reply. */
  async send(line: string): Promise<SmtpResponse> {
    this.write(`${line}\r\n`);
    return this.readReply();
  }

  write(data: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  readReply(): Promise<SmtpResponse> {
    const next = this.ready.shift();
    if (next) return Promise.resolve(next);
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** EHLO, then STARTTLS and the TLS handshake (RFC 3207); the session starts over after it. */
  async startTls(): Promise<SmtpResponse> {
    const reply = await this.send('STARTTLS');
    if (reply.code !== 220) return reply;
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    const secure = connectTls({ socket: plain, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    this.socket = secure;
    this.attach(secure);
    return reply;
  }

  /** Sends MAIL/RCPT/DATA and the message with dot-stuffing (RFC 5321 §4.5.2); returns the final reply. */
  async sendMail(mailFrom: string, rcptTo: string[], message: Buffer | string): Promise<SmtpResponse[]> {
    const replies = [await this.send(`MAIL FROM:<${mailFrom}>`)];
    for (const rcpt of rcptTo) replies.push(await this.send(`RCPT TO:<${rcpt}>`));
    const data = await this.send('DATA');
    replies.push(data);
    if (data.code !== 354) return replies;
    this.write(Buffer.concat([dotStuff(Buffer.from(message)), Buffer.from('.\r\n')]));
    replies.push(await this.readReply());
    return replies;
  }

  async quit(): Promise<void> {
    try { await this.send('QUIT'); } catch { /* already closed */ }
    this.socket.end();
    await this.closed;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private attach(socket: Socket | TLSSocket): void {
    socket.on('data', (chunk: Buffer) => this.onData(chunk.toString('latin1')));
    socket.on('error', () => { /* 'close' follows and reports it */ });
    socket.on('close', () => {
      this.closedError = new SmtpConnectionClosedError(this.buffer);
      for (const waiter of this.waiters.splice(0)) waiter.reject(this.closedError);
      this.markClosed();
    });
  }

  private onData(text: string): void {
    this.buffer += text;
    for (;;) {
      const match = /^(?:\d{3}-[^\r\n]*\r\n)*\d{3}(?: [^\r\n]*)?\r\n/.exec(this.buffer);
      if (!match) return;
      this.buffer = this.buffer.slice(match[0].length);
      const reply = parseReply(match[0]);
      const waiter = this.waiters.shift();
      if (waiter) waiter.resolve(reply); else this.ready.push(reply);
    }
  }
}

function parseReply(text: string): SmtpResponse {
  const rawLines = text.split('\r\n').filter((l) => l.length > 0);
  const code = Number(rawLines[0]?.slice(0, 3));
  let enhancedCode: string | undefined;
  const lines = rawLines.map((line) => {
    const rest = line.slice(4);
    const m = /^([245]\.\d{1,3}\.\d{1,3}) (.*)$/.exec(rest);
    if (m) { enhancedCode = m[1]; return m[2] ?? ''; }
    return rest;
  });
  return { code, enhancedCode, lines };
}

/** RFC 5321 §4.5.2: a line starting with "." gets one more; the message must end with CRLF. */
export function dotStuff(message: Buffer): Buffer {
  let text = message.toString('latin1');
  if (!text.endsWith('\r\n')) text += '\r\n';
  return Buffer.from(text.replace(/^\./gm, '..'), 'latin1');
}
