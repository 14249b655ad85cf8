// Goal: `npm start` in a terminal that closes stops: in dev mode on a terminal, the hangup (SIGHUP) ends tandemd gracefully instead of reloading TLS, so no daemon is left behind holding the ports; `script` (util-linux) gives it a real terminal that goes away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DaemonProcess, repoRoot } from '../support/daemon-process.js';

const waitMs = 30_000;

/** Polls `check` every 100 ms until it returns true; fails after waitMs with `what`. */
async function waitFor(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `${what} within ${waitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

test('dev mode on a terminal: the terminal closing stops tandemd and frees its ports', { timeout: 90_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-hangup-'));
  const dataDir = join(dir, 'data');
  const { args, ports } = await DaemonProcess.devArgs(dataDir);
  const pidFile = join(dir, 'pid');
  const transcript = join(dir, 'terminal');
  // script(1) runs tandemd on a pseudo-terminal (-f: the transcript written as it comes); killing
  // script closes the terminal, and the kernel sends SIGHUP.
  const inner = `echo $$ > ${pidFile}; exec ${process.execPath} --import tsx apps/server/src/main.ts ${args.join(' ')}`;
  const terminal = spawn('script', ['-q', '-f', '-c', `sh -c '${inner}'`, transcript], { cwd: repoRoot, stdio: 'ignore' });
  let pid = 0;
  t.after(() => {
    if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
    terminal.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  await waitFor('tandemd printed its connection details on the terminal', () => {
    try { return readFileSync(transcript, 'utf8').includes('  admin '); } catch { return false; }
  });
  pid = Number(readFileSync(pidFile, 'utf8'));
  assert.ok(await accepting(ports.smtp));

  terminal.kill('SIGKILL');
  await waitFor('tandemd ended after its terminal closed', () => !alive(pid));
  assert.equal(await accepting(ports.smtp), false, 'nothing listens on the SMTP port any more');
  assert.equal(await accepting(ports.imap), false, 'nor on the IMAP port');
});
