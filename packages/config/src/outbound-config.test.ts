// Goal: the outbound section — off when absent, direct MX by default, a relay with its TLS and AUTH rules, and
// every mistake named by key (a password never configured to cross a network in clear).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from './config-error.js';
import { validateConfig } from './validate-config.js';

const base = { baseDir: '/srv/tandem', dev: true };

function problemsOf(raw: unknown): string[] {
  try {
    validateConfig(raw, base);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.message.split('\n');
  }
  assert.fail('expected a ConfigError');
}

test('absent: outbound is off; {}: direct delivery to MX hosts on port 25 with the system resolver', () => {
  assert.equal(validateConfig({}, base).outbound, undefined);
  assert.deepEqual(validateConfig({ outbound: {} }, base).outbound, { relay: undefined, mxPort: 25, dnsServers: undefined, dkim: [] });
  assert.deepEqual(validateConfig({ outbound: { mxPort: 2525, dnsServers: ['127.0.0.1:5353', '10.0.0.53', '[::1]:53', '2001:db8::53'] } }, base).outbound,
    { relay: undefined, mxPort: 2525, dnsServers: ['127.0.0.1:5353', '10.0.0.53', '[::1]:53', '2001:db8::53'], dkim: [] });
});

test('a relay: STARTTLS on 587 by default, implicit TLS on 465, AUTH with a password file resolved against the config dir', () => {
  assert.deepEqual(validateConfig({ outbound: { relay: { host: 'smtp.provider.example' } } }, base).outbound?.relay,
    { host: 'smtp.provider.example', port: 587, tls: 'starttls', tlsVerify: true, user: undefined, passwordFile: undefined });
  assert.deepEqual(validateConfig({ outbound: { relay: { host: 'smtp.provider.example', tls: 'tls', user: 'me', passwordFile: 'relay.pass' } } }, base).outbound?.relay,
    { host: 'smtp.provider.example', port: 465, tls: 'tls', tlsVerify: true, user: 'me', passwordFile: '/srv/tandem/relay.pass' });
  assert.equal(validateConfig({ outbound: { relay: { host: '127.0.0.1', port: 10025, tls: 'none' } } }, base).outbound?.relay?.tls, 'none');
});

test('mistakes are named by key: no host, a TLS mode, plaintext off this machine, user without password, bad DNS servers, unknown keys', () => {
  assert.deepEqual(problemsOf({ outbound: { relay: {} } }), ['config: outbound.relay.host: required (the relay\'s host name or address)']);
  assert.deepEqual(problemsOf({ outbound: { relay: { host: 'r.example', tls: 'ssl' } } }), ['config: outbound.relay.tls: must be one of starttls, tls, none, got "ssl"']);
  assert.deepEqual(problemsOf({ outbound: { relay: { host: 'r.example', tls: 'none' } } }),
    ['config: outbound.relay.tls: "none" is allowed only for a relay on this machine (127.0.0.1, ::1, localhost), not "r.example"']);
  assert.deepEqual(problemsOf({ outbound: { relay: { host: 'r.example', user: 'me' } } }),
    ['config: outbound.relay.passwordFile: user and passwordFile go together (AUTH to the relay needs both)']);
  assert.deepEqual(problemsOf({ outbound: { dnsServers: ['dns.example', '10.0.0.53:99999'] } }), [
    'config: outbound.dnsServers[0]: must be an IP address with an optional port ("10.0.0.53", "10.0.0.53:5353", "[2001:db8::53]:53"), got "dns.example"',
    'config: outbound.dnsServers[1]: must be an IP address with an optional port ("10.0.0.53", "10.0.0.53:5353", "[2001:db8::53]:53"), got "10.0.0.53:99999"',
  ]);
  assert.equal(problemsOf({ outbound: { relai: {} } }).length, 1);
  assert.match(problemsOf({ outbound: { relai: {} } })[0]!, /outbound\.relai/);
});

test('DKIM keys: by domain, selector and key file (resolved against the config dir); bad or repeated ones named', () => {
  assert.deepEqual(validateConfig({ outbound: { dkim: [{ domain: 'Example.COM', selector: 'tandem2026', privateKeyFile: 'dkim/example.com.key' }] } }, base).outbound?.dkim,
    [{ domain: 'example.com', selector: 'tandem2026', privateKeyFile: '/srv/tandem/dkim/example.com.key' }]);
  assert.deepEqual(problemsOf({ outbound: { dkim: [{ domain: 'example.com', selector: 'bad selector!', privateKeyFile: 'k' }, { domain: 'example.com', selector: 's', privateKeyFile: 'k' }, { domain: 'x', selector: 's' }] } }), [
    'config: outbound.dkim[0].selector: must be DNS labels like "tandem2026", got "bad selector!"',
    'config: outbound.dkim[1].domain: example.com has a key already; one key per domain',
    'config: outbound.dkim[2].domain: must be a domain like "example.com", got "x"',
    'config: outbound.dkim[2].privateKeyFile: required (PEM private key; `tandem dkim keygen` makes one)',
  ]);
  assert.deepEqual(problemsOf({ outbound: { dkim: { domain: 'example.com' } } }), ['config: outbound.dkim: must be a list of { "domain", "selector", "privateKeyFile" }']);
});
