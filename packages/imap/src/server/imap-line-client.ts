/**
 * Test support (not a test): a bare IMAP client over a real socket that sends raw bytes and
 * collects whole responses (literal-aware), for tests that need to misbehave on purpose (limits,
 * fuzzing) where a real client library would refuse.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { splitResponses } from './transcript-script.js';

export class ImapLineClient {
  private buffer = Buffer.alloc(0);
  private waiter: (() => void) | null = null;
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => { this.buffer = Buffer.concat([this.buffer, chunk]); this.wake(); });
    socket.on('close', () => { this.closed = true; this.wake(); });
    socket.on('error', () => { this.closed = true; this.wake(); });
  }

  static async open(port: number, tls = false): Promise<ImapLineClient> {
    const socket = tls ? tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }) : connect(port, '127.0.0.1');
    const client = new ImapLineClient(socket);
    await client.responses(1); // the greeting
    return client;
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Sends a command line and returns every response up to and including its tagged one. */
  async command(tag: string, line: string, timeoutMs = 5000): Promise<string[]> {
    this.send(`${tag} ${line}\r\n`);
    return this.untilTagged(tag, timeoutMs);
  }

  async untilTagged(tag: string, timeoutMs = 5000): Promise<string[]> {
    const out: string[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const next = await this.next(deadline);
      if (next === null) throw new Error(`no tagged response for ${tag}; got:\n${out.join('')}`);
      out.push(next);
      if (next.startsWith(`${tag} `)) return out;
    }
  }

  /** Exactly `count` whole responses. */
  async responses(count: number, timeoutMs = 5000): Promise<string[]> {
    const out: string[] = [];
    const deadline = Date.now() + timeoutMs;
    while (out.length < count) {
      const next = await this.next(deadline);
      if (next === null) throw new Error(`expected ${count} responses, got:\n${out.join('')}`);
      out.push(next);
    }
    return out;
  }

  /** The next whole response, or null at the deadline or when the connection closed. */
  async next(deadlineMs: number): Promise<string | null> {
    for (;;) {
      const { responses } = splitResponses(this.buffer);
      if (responses.length > 0) {
        this.buffer = this.buffer.subarray(responses[0]!.length);
        return responses[0]!.toString('latin1');
      }
      if (this.closed || Date.now() >= deadlineMs) return null;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadlineMs - Date.now()));
        this.waiter = () => { clearTimeout(timer); resolve(); };
      });
    }
  }

  async waitClosed(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() >= deadline) throw new Error('connection still open');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiter = () => { clearTimeout(timer); resolve(); };
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }
}
