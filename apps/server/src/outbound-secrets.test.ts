// Goal: the outbound secrets — the relay password file (first line only; refused when empty, missing or readable by everyone) and DKIM keys (refused when public or unusable).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { validateConfig } from '@tandem/config';
import { generateDkimKey } from '@tandem/smtp';
import { readDkimKeys, readRelayPassword, OutboundSecretError } from './outbound-secrets.js';

test('first line of a private file; a public, empty or missing file is refused with its name', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-relay-pass-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'relay.pass');
  const config = validateConfig({ outbound: { relay: { host: 'r.example', user: 'me', passwordFile: file } } }, { baseDir: dir, dev: true });
  writeFileSync(file, 's3cret pass\nignored\n', { mode: 0o600 });
  assert.equal(readRelayPassword(config), 's3cret pass');
  chmodSync(file, 0o644);
  assert.throws(() => readRelayPassword(config), (err) => err instanceof OutboundSecretError && /is readable by everyone; chmod o-r it/.test(err.message));
  chmodSync(file, 0o640);
  writeFileSync(file, '\n');
  assert.throws(() => readRelayPassword(config), /is empty; its first line is the relay password/);
  rmSync(file);
  assert.throws(() => readRelayPassword(config), /relay\.pass: ENOENT/);
  assert.equal(readRelayPassword(validateConfig({ outbound: {} }, { baseDir: dir, dev: true })), undefined);
});

test('DKIM keys: read when private and able to sign; a public file or a key DKIM cannot use is refused with its config key', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-dkim-keys-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'example.com.key');
  const config = validateConfig({ outbound: { dkim: [{ domain: 'example.com', selector: 's1', privateKeyFile: file }] } }, { baseDir: dir, dev: true });
  const pem = generateDkimKey('ed25519');
  writeFileSync(file, pem, { mode: 0o600 });
  assert.deepEqual(readDkimKeys(config), [{ domain: 'example.com', selector: 's1', privateKey: pem }]);
  chmodSync(file, 0o644);
  assert.throws(() => readDkimKeys(config), /outbound\.dkim\[0\]\.privateKeyFile .* is readable by everyone/);
  chmodSync(file, 0o600);
  writeFileSync(file, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
  assert.throws(() => readDkimKeys(config), /a ec key cannot sign DKIM; use an RSA \(2048 bits or more\) or Ed25519 key/);
});
