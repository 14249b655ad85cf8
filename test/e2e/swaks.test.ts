// Goal: the README's two swaks examples work against a real dev-mode tandemd: plain MX delivery to a
// local user, and submission with STARTTLS + AUTH PLAIN (RFC 3207, RFC 4954). Debian's swaks is the
// client (.ci/run installs it with libnet-ssleay-perl for TLS).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DaemonProcess } from '../support/daemon-process.js';

const run = promisify(execFile);
const password = 'swaks-test-pw';

async function swaks(args: string[]): Promise<string> {
  const { stdout } = await run('swaks', ['--server', ...args], { timeout: 30_000 });
  return stdout;
}

/** The reply lines swaks printed ("<~ " after TLS, "<- " before), without the prefix. */
function replies(transcript: string): string[] {
  return transcript.split('\n').filter((l) => /^<[-~] /.test(l)).map((l) => l.slice(3).trim());
}

test('swaks delivers through the MX port and through submission with STARTTLS + AUTH', { timeout: 90_000 }, async (t) => {
  const { dataDir, ports } = await DaemonProcess.startDev(t, 'swaks', password);

  const mx = replies(await swaks([`127.0.0.1:${ports.smtp}`, '--from', 'someone@elsewhere.test',
    '--to', 'demo@example.test', '--h-Subject', 'via MX']));
  assert.ok(mx.some((r) => /^250 2\.0\.0 queued as \S+$/.test(r)), mx.join('\n'));

  const submissionText = await swaks([`127.0.0.1:${ports.submission}`, '--tls', '--auth', 'PLAIN',
    '--auth-user', 'demo@example.test', '--auth-password', password,
    '--from', 'demo@example.test', '--to', 'demo@example.test', '--h-Subject', 'via submission']);
  const submission = replies(submissionText);
  // swaks marks replies received over TLS with "<~": the 235 must be one of them.
  assert.match(submissionText, /^<~ +235 2\.7\.0/m);
  assert.ok(submission.some((r) => /^250 2\.0\.0 queued as \S+$/.test(r)), submission.join('\n'));

  // Both messages are in the user's Maildir new/, in delivery order, with their subjects.
  const newDir = join(dataDir, 'mail', 'example.test', 'demo', 'new');
  const subjects = readdirSync(newDir).sort().map((f) => /^Subject: (.*)$/m.exec(readFileSync(join(newDir, f), 'utf8'))?.[1]?.trim());
  assert.deepEqual(subjects, ['via MX', 'via submission']);
});
