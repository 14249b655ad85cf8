// Goal: a certificate and key are taken only when they load together; anything else is refused with the file and the reason (unreadable, not PEM, a key that belongs to another certificate), so neither a start nor a reload ever presents a broken pair.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { readTlsMaterial, summarizeCertificate, TlsMaterialError } from './tls-material.js';

const dir = mkdtempSync(join(tmpdir(), 'tandem-tls-material-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

async function pair(name: string): Promise<{ certFile: string; keyFile: string; cert: string }> {
  const pems = await generate([{ name: 'commonName', value: name }], { keyType: 'ec', curve: 'P-256', algorithm: 'sha256' });
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  writeFileSync(certFile, pems.cert);
  writeFileSync(keyFile, pems.private);
  return { certFile, keyFile, cert: pems.cert };
}

test('a matching pair loads, and its summary names the certificate', async () => {
  const a = await pair('a.example.test');
  const material = readTlsMaterial(a.certFile, a.keyFile);
  assert.equal(material.cert, a.cert);
  const summary = summarizeCertificate(material);
  assert.equal(summary.subject, 'CN=a.example.test');
  assert.equal(summary.fingerprint256, new X509Certificate(a.cert).fingerprint256);
  assert.ok(!Number.isNaN(Date.parse(summary.validTo)));
});

test('a key that belongs to another certificate is refused, naming both files', async () => {
  const a = await pair('one.example.test');
  const b = await pair('two.example.test');
  assert.throws(() => readTlsMaterial(a.certFile, b.keyFile), (err: unknown) => {
    assert.ok(err instanceof TlsMaterialError);
    assert.equal(err.message, `TLS certificate ${a.certFile} with key ${b.keyFile}: the key does not belong to the certificate`);
    return true;
  });
});

test('a missing file, or one with no PEM of its kind, is refused with what is wrong', async () => {
  const a = await pair('three.example.test');
  const missing = join(dir, 'missing.crt');
  assert.throws(() => readTlsMaterial(missing, a.keyFile), { name: 'TlsMaterialError', message: `TLS certificate ${missing}: cannot read it (ENOENT)` });
  // The key file given as the certificate, and the other way round.
  assert.throws(() => readTlsMaterial(a.keyFile, a.keyFile), { message: `TLS certificate ${a.keyFile}: no PEM certificate in it` });
  assert.throws(() => readTlsMaterial(a.certFile, a.certFile), { message: `TLS key ${a.certFile}: no PEM key in it` });
});
