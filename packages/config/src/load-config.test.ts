// Goal: the loader reports unreadable or malformed files by path and line, and overrides win over the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config-error.js';
import { loadConfig } from './load-config.js';

const dir = mkdtempSync(join(tmpdir(), 'tandem-config-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function messageOf(fn: () => unknown): string {
  try { fn(); } catch (err) { assert.ok(err instanceof ConfigError); return err.message; }
  assert.fail('expected a ConfigError');
}

test('a missing file is named with the errno code', () => {
  const file = join(dir, 'nope.json');
  assert.equal(messageOf(() => loadConfig({ file, dev: true, cwd: dir })), `config: ${file}: cannot read the config file (ENOENT)`);
});

test('invalid JSON gives the parser message and a line number', () => {
  const file = join(dir, 'bad.json');
  writeFileSync(file, '{\n  "smtp": { "port": 25, }\n}\n');
  const message = messageOf(() => loadConfig({ file, dev: true, cwd: dir }));
  assert.ok(message.startsWith(`config: ${file}: not valid JSON: `), message);
  assert.match(message, /line 2/);
});

test('paths in the file resolve against the file; overrides replace file values', () => {
  const file = join(dir, 'good.json');
  writeFileSync(file, JSON.stringify({ dataDir: 'data', smtp: { port: 3000 } }));
  const config = loadConfig({ file, dev: true, cwd: '/', overrides: [{ key: 'smtp.port', value: 3525, label: '--smtp-port' }] });
  assert.equal(config.dataDir, join(dir, 'data'));
  assert.equal(config.smtp.port, 3525);
});

test('unreadable TLS files are reported per key', () => {
  const file = join(dir, 'tls.json');
  writeFileSync(file, JSON.stringify({ tls: { certFile: 'missing-cert.pem', keyFile: 'missing-key.pem' } }));
  assert.equal(messageOf(() => loadConfig({ file, dev: false, cwd: dir })), [
    `config: tls.certFile: cannot read "${join(dir, 'missing-cert.pem')}" (ENOENT)`,
    `config: tls.keyFile: cannot read "${join(dir, 'missing-key.pem')}" (ENOENT)`,
  ].join('\n'));
});
