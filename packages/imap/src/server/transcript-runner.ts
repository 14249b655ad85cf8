/**
 * Runs a golden transcript (transcript-script.ts) against a live ImapServer over real sockets.
 * After each step it reads exactly as many responses as the step expects (literal-aware) and
 * compares them; at the end no connection may hold responses nobody expected. A mismatch throws
 * TranscriptMismatchError with the step's line, the expected and the received text.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { ImapHarness } from './imap-test-harness.js';
import { expectedResponses, parseTranscript, responseMatches, splitResponses } from './transcript-script.js';
import type { TranscriptStep } from './transcript-script.js';

export class TranscriptMismatchError extends Error {
  override readonly name = 'TranscriptMismatchError';
}

const waitMs = 5000;

class TranscriptConnection {
  private buffer = Buffer.alloc(0);
  private waiter: (() => void) | null = null;
  closed = false;

  constructor(public socket: Socket) {
    this.listen(socket);
  }

  listen(socket: Socket): void {
    socket.on('data', (chunk: Buffer) => { this.buffer = Buffer.concat([this.buffer, chunk]); this.wake(); });
    socket.on('close', () => { this.closed = true; this.wake(); });
    socket.on('error', () => { this.closed = true; this.wake(); });
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  /** Reads `count` whole responses, or fails after waitMs with what did arrive. */
  async read(count: number, where: string): Promise<string[]> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const { responses, rest } = splitResponses(this.buffer);
      if (responses.length >= count) {
        const taken = responses.slice(0, count);
        const used = taken.reduce((n, r) => n + r.length, 0);
        this.buffer = this.buffer.subarray(used);
        return taken.map((r) => r.toString('utf8'));
      }
      if (this.closed || Date.now() >= deadline) {
        throw new TranscriptMismatchError(`${where}: expected ${count} response(s), got ${responses.length}${this.closed ? ' before the connection closed' : ''}:\n${responses.map((r) => r.toString('utf8')).join('')}${rest.toString('utf8')}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiter = () => { clearTimeout(timer); resolve(); };
      });
    }
  }

  leftover(): string { return this.buffer.toString('utf8'); }

  /** Record mode: everything that arrives until the connection has been quiet for a while. */
  async readQuiet(): Promise<string> {
    let last = -1;
    while (last !== this.buffer.length && !this.closed) {
      last = this.buffer.length;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const text = this.buffer.toString('utf8');
    this.buffer = Buffer.alloc(0);
    return text;
  }

  async waitClosed(where: string): Promise<void> {
    const deadline = Date.now() + waitMs;
    while (!this.closed) {
      if (Date.now() >= deadline) throw new TranscriptMismatchError(`${where}: the server did not close the connection`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiter = () => { clearTimeout(timer); resolve(); };
      });
    }
  }
}

/**
 * Runs the transcript; with `record`, expected lines are ignored and the transcript is returned
 * with what the server actually sent (to be reviewed by a person before it becomes golden).
 */
export async function runTranscript(harness: ImapHarness, text: string, name: string, record = false): Promise<string> {
  const steps = parseTranscript(text);
  const recorder = record ? new Recorder(text) : null;
  const connections = new Map<string, TranscriptConnection>();
  const conn = (step: { conn: string; line: number }): TranscriptConnection => {
    const c = connections.get(step.conn);
    if (!c) throw new TranscriptMismatchError(`${name}:${step.line}: ${step.conn} is not connected`);
    return c;
  };
  try {
    for (const step of steps) await runStep(harness, step, connections, conn, name, recorder);
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (const [id, c] of connections) {
      const rest = c.leftover();
      if (rest !== '' && !recorder) throw new TranscriptMismatchError(`${name}: ${id} received responses the transcript does not expect:\n${rest}`);
    }
    return recorder ? recorder.text() : text;
  } finally {
    for (const c of connections.values()) c.socket.destroy();
  }
}

async function runStep(
  harness: ImapHarness, step: TranscriptStep, connections: Map<string, TranscriptConnection>,
  conn: (s: { conn: string; line: number }) => TranscriptConnection, name: string, recorder: Recorder | null,
): Promise<void> {
  const where = `${name}:${step.line}`;
  const compare = async (c: TranscriptConnection, expectedLines: readonly string[]): Promise<void> => {
    if (recorder) recorder.responses(step.line, await c.readQuiet());
    else await compareResponses(c, expectedLines, where);
  };
  switch (step.kind) {
    case 'connect': {
      const port = step.port === 'imaps' ? harness.imapsPort : harness.imapPort;
      const socket = step.port === 'imaps'
        ? tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false })
        : connect(port, '127.0.0.1');
      connections.set(step.conn, new TranscriptConnection(socket));
      await compare(conn(step), step.expected);
      return;
    }
    case 'send': {
      const c = conn(step);
      c.socket.write(step.lines.map((l) => `${l}\r\n`).join(''));
      await compare(c, step.expected);
      return;
    }
    case 'expect':
      await compare(conn(step), step.expected);
      return;
    case 'deliver':
      await harness.deliver(step.message, step.mailbox, step.user ?? undefined);
      return;
    case 'user':
      await harness.addUser(step.address, step.password, step.quotaBytes ?? undefined);
      return;
    case 'starttls': {
      const c = conn(step);
      c.socket.removeAllListeners('data');
      c.socket.removeAllListeners('close');
      const secure = tlsConnect({ socket: c.socket, rejectUnauthorized: false });
      await new Promise<void>((resolve, reject) => { secure.once('secureConnect', resolve); secure.once('error', reject); });
      c.socket = secure;
      c.listen(secure);
      return;
    }
    case 'closed':
      await conn(step).waitClosed(where);
      return;
    case 'close':
      conn(step).socket.destroy();
      connections.delete(step.conn);
      return;
  }
}

async function compareResponses(c: TranscriptConnection, expectedLines: readonly string[], where: string): Promise<void> {
  const expected = expectedResponses(expectedLines);
  const actual = await c.read(expected.length, where);
  for (let k = 0; k < expected.length; k++) {
    if (!responseMatches(expected[k]!, actual[k]!)) {
      throw new TranscriptMismatchError(`${where}: response ${k + 1} differs\n--- expected\n${expected.join('')}--- received\n${actual.join('')}`);
    }
  }
}

/** Rebuilds a transcript with the received responses in place of the expected lines. */
class Recorder {
  private readonly received = new Map<number, string>();
  constructor(private readonly source: string) {}

  responses(line: number, text: string): void { this.received.set(line, text); }

  text(): string {
    const out: string[] = [];
    const lines = this.source.replace(/\r\n/g, '\n').split('\n');
    let skipping = false;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const isStep = /^C\d+:/.test(line) || (line.startsWith('@') && line !== '@end') || line.startsWith('#') || line === '';
      if (skipping && !isStep) continue;
      skipping = false;
      out.push(line);
      const nextIsSameClient = /^C\d+:/.test(line) && lines[i + 1]?.startsWith(line.slice(0, line.indexOf(':') + 1));
      const got = this.received.get(this.stepLineOf(lines, i));
      if (got !== undefined && !nextIsSameClient && (/^C\d+:/.test(line) || /^@(connect|expect)/.test(line))) {
        out.push(...got.replace(/\r\n$/, '').split('\r\n'));
        skipping = true;
      }
    }
    return out.join('\n');
  }

  /** The line number (1-based) of the step that line i belongs to (first line of a client run). */
  private stepLineOf(lines: readonly string[], i: number): number {
    const m = /^(C\d+):/.exec(lines[i]!);
    if (!m) return i + 1;
    let k = i;
    while (k > 0 && lines[k - 1]!.startsWith(`${m[1]}:`)) k--;
    return k + 1;
  }
}
