// Goal: mboxrd as readers expect it — asctime From lines, ">From " quoting that reverses exactly, LF line ends —
// and Python's mailbox module (a real reader) finds every message with its headers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asctime, mboxEntry } from './mbox.js';

test('asctime is ctime(3) in UTC', () => {
  assert.equal(asctime(Date.UTC(2026, 10, 3, 4, 5, 6)), 'Tue Nov  3 04:05:06 2026');
});

test('an entry: From line, CRLF to LF, From quoting (mboxrd), a closing empty line; <> is MAILER-DAEMON', () => {
  const entry = mboxEntry('a@example.test', Date.UTC(2026, 10, 30), Buffer.from('Subject: x\r\n\r\nFrom here\r\n>From there\r\nnot From\r\n'));
  assert.equal(entry.toString(), 'From a@example.test Mon Nov 30 00:00:00 2026\nSubject: x\n\n>From here\n>>From there\nnot From\n\n');
  assert.match(mboxEntry('', 0, Buffer.from('x')).toString(), /^From MAILER-DAEMON Thu Jan  1 00:00:00 1970\nx\n\n$/);
});

test("Python's mailbox module reads every message back with its subject", (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-mbox-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'out.mbox');
  writeFileSync(file, Buffer.concat([1, 2, 3].map((n) => mboxEntry(`s${n}@example.test`, Date.UTC(2026, 0, n), Buffer.from(`Subject: message ${n}\r\n\r\nFrom line ${n}\r\n`)))));
  const out = execFileSync('python3', ['-c', 'import mailbox,sys\nfor m in mailbox.mbox(sys.argv[1]): print(m["subject"], "|", m.get_from())', file], { encoding: 'utf8' });
  assert.deepEqual(out.trim().split('\n'), [1, 2, 3].map((n) => `message ${n} | s${n}@example.test ${asctime(Date.UTC(2026, 0, n))}`));
});
