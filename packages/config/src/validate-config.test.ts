// Goal: a bad config names the key and the problem; a good one yields the documented defaults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from './config-error.js';
import { limits } from './limits.js';
import { validateConfig } from './validate-config.js';

const base = { baseDir: '/srv/tandem' };

function problemsOf(raw: unknown, dev = true, keyLabels?: Map<string, string>): string[] {
  try {
    validateConfig(raw, { ...base, dev, ...(keyLabels ? { keyLabels } : {}) });
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.message.split('\n');
  }
  assert.fail('expected a ConfigError');
}

test('dev defaults: loopback, unprivileged ports, ./.tandem, example.test, no TLS files', () => {
  const config = validateConfig({}, { ...base, dev: true });
  assert.equal(config.dev, true);
  assert.equal(config.dataDir, '/srv/tandem/.tandem');
  assert.equal(config.listenHost, '127.0.0.1');
  assert.deepEqual(config.smtp, { port: 2525, submissionPort: 2587, submissionsPort: 2465, messageSizeBytesMax: limits.messageSizeBytesMax });
  assert.deepEqual(config.imap, { port: 2143, imapsPort: 2993 });
  assert.deepEqual(config.domains, ['example.test']);
  assert.equal(config.tls, undefined);
  assert.equal(config.admin.socketPath, '/srv/tandem/.tandem/admin.sock');
});

test('production defaults: ports 25/587/465 and TLS is required', () => {
  assert.deepEqual(problemsOf({}, false), ['config: tls: required outside dev mode: { "certFile": "/path/cert.pem", "keyFile": "/path/key.pem" }']);
  const config = validateConfig({ tls: { certFile: 'c.pem', keyFile: '/k.pem' }, domains: ['Example.COM'] }, { ...base, dev: false });
  assert.deepEqual([config.smtp.port, config.smtp.submissionPort, config.smtp.submissionsPort], [25, 587, 465]);
  assert.deepEqual(config.tls, { certFile: '/srv/tandem/c.pem', keyFile: '/k.pem' });
  assert.deepEqual(config.domains, ['example.com']);
  assert.equal(config.listenHost, '0.0.0.0');
});

test('a non-integer port names the key, the rule and the value', () => {
  assert.deepEqual(problemsOf({ smtp: { port: 'abc' } }), ['config: smtp.port: must be an integer 1–65535, got "abc"']);
  assert.deepEqual(problemsOf({ imap: { imapsPort: 70000 } }), ['config: imap.imapsPort: must be an integer 1–65535, got 70000']);
});

test('a flag override is named by its flag', () => {
  const labels = new Map([['smtp.submissionPort', '--submission-port']]);
  assert.deepEqual(problemsOf({ smtp: { submissionPort: '2.5' } }, true, labels), ['config: --submission-port: must be an integer 1–65535, got "2.5"']);
});

test('every problem is reported at once, unknown keys included', () => {
  assert.deepEqual(problemsOf({ smtp: { prot: 25, port: 0 }, lgo: {}, log: { level: 'loud' } }), [
    'config: lgo: unknown key (known keys: dev, dataDir, hostname, listen, smtp, imap, tls, domains, admin, log, demoPassword, cluster, metrics, outbound)',
    'config: smtp.prot: unknown key (known keys of smtp: port, submissionPort, submissionsPort, messageSizeBytesMax)',
    'config: smtp.port: must be an integer 1–65535, got 0',
    'config: log.level: must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
  ]);
});

test('two listeners on one port are refused', () => {
  assert.deepEqual(problemsOf({ smtp: { port: 2587 } }), ['config: smtp.submissionPort: must differ from smtp.port (both are 2587)']);
});

test('malformed values: domains, listen address, tls keys, wrong types', () => {
  assert.deepEqual(problemsOf({ domains: ['ok.test', 'no_such domain'], listen: 'everywhere', smtp: [] }), [
    'config: listen: must be an IPv4 or IPv6 address, got "everywhere"',
    'config: smtp: must be an object, got an array',
    'config: domains[1]: must be a domain name like "example.com", got "no_such domain"',
  ]);
  assert.deepEqual(problemsOf({ tls: { certFile: '/c.pem' } }, false), ['config: tls.keyFile: required (path of the PEM private key)']);
  assert.deepEqual(problemsOf({ demoPassword: 'x', tls: { certFile: '/c', keyFile: '/k' } }, false),
    ['config: demoPassword: only used in dev mode (--dev); create users with `tandem user add`']);
  assert.deepEqual(problemsOf([]), ['config: (top level): must be a JSON object, got an array']);
});

test('a data dir too deep for a Unix socket path is refused before anything binds', () => {
  const [line] = problemsOf({ dataDir: `/${'d'.repeat(120)}` });
  assert.match(line ?? '', /^config: dataDir: the admin socket path ".*admin.sock" is longer than 107 bytes/);
});

test('message size limit cannot exceed the compiled-in maximum', () => {
  assert.deepEqual(problemsOf({ smtp: { messageSizeBytesMax: limits.messageSizeBytesMax + 1 } }),
    [`config: smtp.messageSizeBytesMax: must be an integer 1024–${limits.messageSizeBytesMax}, got ${limits.messageSizeBytesMax + 1}`]);
});
