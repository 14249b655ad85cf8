// Goal: Python's imaplib (a strict IMAP4rev1 client) completes a whole session against the server: login, list, create, append, select, search, fetch, store, copy, expunge, status, close, rename, delete, logout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { demoPassword, demoUser, ImapHarness } from './imap-test-harness.js';

const script = fileURLToPath(new URL('../../testdata/imaplib_scenario.py', import.meta.url));

test('imaplib scenario over implicit TLS', async () => {
  const harness = await ImapHarness.start();
  try {
    const { stdout } = await promisify(execFile)('python3', [script, '127.0.0.1', String(harness.imapsPort), demoUser, demoPassword], { timeout: 30_000 });
    const out = JSON.parse(stdout) as Record<string, unknown>;
    assert.ok((out['capabilities'] as string[]).includes('IMAP4REV1'));
    assert.ok((out['capabilities'] as string[]).includes('AUTH=PLAIN'));
    assert.ok((out['list'] as string[]).includes('(\\HasNoChildren \\Sent) "/" "Sent"'));
    assert.match(out['append'] as string, /^\[APPENDUID \d+ 1\] APPEND completed$/);
    assert.equal(out['select'], 1);
    assert.equal(out['search_flagged'], '1');
    assert.equal(out['fetch_meta'], '1 (FLAGS (\\Flagged \\Seen) RFC822 {66}'); // RFC822 sets \Seen (RFC 9051 §6.4.5)
    assert.equal(out['fetch_body'], 'From: py@example.org\r\nSubject: from imaplib\r\n\r\nhello from python\r\n');
    assert.deepEqual(out['store'], ['1 (FLAGS (\\Flagged \\Deleted \\Seen))']);
    assert.equal(out['uid_search'], '1');
    assert.equal(out['copy'], 'OK');
    assert.deepEqual(out['expunge'], ['1']);
    assert.equal(out['status'], '"INBOX" (MESSAGES 1 UIDNEXT 2)');
    assert.deepEqual(out['list_python'], ['(\\HasChildren) "/" "Python"', '(\\HasNoChildren) "/" "Python/Renamed"']);
    assert.equal(out['noop'], 'OK');
    assert.equal(out['logout'], 'BYE');
    assert.deepEqual(harness.store.listMessages(demoUser, 'INBOX').map((m) => m.flags), [['\\Flagged', '\\Deleted', '\\Seen']]);
  } finally {
    await harness.close();
  }
});
