// Goal: the relay password file — first line only, and refused when empty, missing or readable by everyone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '@tandem/config';
import { readRelayPassword, RelayPasswordError } from './relay-password.js';

test('first line of a private file; a public, empty or missing file is refused with its name', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-relay-pass-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'relay.pass');
  const config = validateConfig({ outbound: { relay: { host: 'r.example', user: 'me', passwordFile: file } } }, { baseDir: dir, dev: true });
  writeFileSync(file, 's3cret pass\nignored\n', { mode: 0o600 });
  assert.equal(readRelayPassword(config), 's3cret pass');
  chmodSync(file, 0o644);
  assert.throws(() => readRelayPassword(config), (err) => err instanceof RelayPasswordError && /is readable by everyone; chmod o-r it/.test(err.message));
  chmodSync(file, 0o640);
  writeFileSync(file, '\n');
  assert.throws(() => readRelayPassword(config), /is empty; its first line is the relay password/);
  rmSync(file);
  assert.throws(() => readRelayPassword(config), /relay\.pass: ENOENT/);
  assert.equal(readRelayPassword(validateConfig({ outbound: {} }, { baseDir: dir, dev: true })), undefined);
});
