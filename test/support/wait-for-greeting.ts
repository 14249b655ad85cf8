/**
 * Waits until a server started by a bench (Dovecot, Postfix) greets a connection on loopback, or
 * its process exits, or `timeoutMs` passes. Each try has a socket timeout of its own, so a connect
 * that hangs cannot hold the bench.
 */
import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';

export interface GreetingCheck {
  /** True for the first bytes of a ready server's greeting ("* OK", "220"). */
  ready(text: string): boolean;
  /** Sent before closing a connection that was greeted (a polite LOGOUT or QUIT). */
  farewell: string;
  timeoutMs: number;
}

export async function waitForGreeting(port: number, child: ChildProcess, check: GreetingCheck): Promise<void> {
  const deadline = Date.now() + check.timeoutMs;
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
    const greeted = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.setTimeout(2000, () => { socket.destroy(); resolve(false); });
      socket.once('error', () => resolve(false));
      socket.once('data', (d: Buffer) => { socket.end(check.farewell); resolve(check.ready(d.toString())); });
    });
    if (greeted) return;
    await new Promise((r) => setTimeout(r, Math.min(50 * (attempt + 1), 500)));
  }
  throw new Error(`no greeting on 127.0.0.1:${port} within ${check.timeoutMs} ms`);
}
