// Goal: signatures that a real verifier (mailauth) accepts against keys published in a real DNS server on loopback,
// for RSA and Ed25519; the key chosen by the From domain, then the envelope sender's; no key, no signature; a
// message changed after signing fails verification.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DnsTestServer } from '@tandem/testkit';
import { dkimRecordOf, generateDkimKey } from './dkim-key.js';
import { dkimResults } from './dkim-check.js';
import { fromDomain, keyFor, signMessage, type DkimKey } from './dkim-signer.js';

const message = Buffer.from('From: Alice <alice@example.test>\r\nTo: bob@remote.test\r\nSubject: signed\r\nDate: Mon, 30 Nov 2026 03:00:00 +0000\r\nMessage-ID: <s1@example.test>\r\n\r\nhello\r\n');

test('RSA and Ed25519 signatures verify against the published records; a changed body does not', async (t) => {
  const keys: DkimKey[] = [
    { domain: 'example.test', selector: 'rsa2026', privateKey: generateDkimKey('rsa') },
    { domain: 'other.test', selector: 'ed2026', privateKey: generateDkimKey('ed25519') },
  ];
  const dns = await DnsTestServer.start({
    'rsa2026._domainkey.example.test': { TXT: [dkimRecordOf(keys[0]!.privateKey)] },
    'ed2026._domainkey.other.test': { TXT: [dkimRecordOf(keys[1]!.privateKey)] },
  });
  t.after(() => dns.close());
  const verdicts = (m: Buffer): Promise<string[]> => dkimResults(m, dns.server);

  const rsa = await signMessage(keys, message, 'alice@example.test', Date.UTC(2026, 10, 30, 3));
  assert.equal(rsa.signedBy, 'rsa2026._domainkey.example.test');
  assert.match(rsa.message.toString(), /^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=example\.test;[^]*? s=rsa2026;[^]*\r\nFrom: Alice/);
  assert.deepEqual(await verdicts(rsa.message), ['example.test:pass']);
  assert.notDeepEqual(await verdicts(Buffer.from(rsa.message.toString().replace('hello', 'HELLO'))), ['example.test:pass']);

  const ed = await signMessage(keys, Buffer.from(message.toString().replace('alice@example.test>', 'carol@other.test>')), 'carol@other.test', Date.UTC(2026, 10, 30, 3));
  assert.deepEqual(await verdicts(ed.message), ['other.test:pass']);
});

test('the key follows the From domain, then the envelope sender; no key leaves the message as it is', () => {
  const keys: DkimKey[] = [{ domain: 'example.test', selector: 's', privateKey: 'x' }, { domain: 'bounce.test', selector: 's', privateKey: 'y' }];
  assert.equal(fromDomain(message), 'example.test');
  assert.equal(fromDomain(Buffer.from('From: "Name, with comma" <X@Sub.Example.TEST>\r\n\r\n')), 'sub.example.test');
  assert.equal(fromDomain(Buffer.from('From: undisclosed\r\n\r\n')), undefined);
  assert.equal(keyFor(keys, message, 'someone@bounce.test')?.domain, 'example.test');
  assert.equal(keyFor(keys, Buffer.from('From: a@elsewhere.test\r\n\r\n'), 'someone@bounce.test')?.domain, 'bounce.test');
  assert.equal(keyFor(keys, Buffer.from('From: a@elsewhere.test\r\n\r\n'), ''), undefined);
});

test('no key for the domain: the bytes are returned unchanged, unsigned', async () => {
  const out = await signMessage([], message, 'alice@example.test', 0);
  assert.equal(out.message, message);
  assert.equal(out.signedBy, undefined);
});
