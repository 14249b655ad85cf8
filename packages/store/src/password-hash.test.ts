// Goal: scrypt hashes verify the right password only, carry their parameters and salt, and malformed hashes never verify.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword, isPasswordHash, verifyPassword } from './password-hash.js';

test('hash then verify: right password yes, wrong no; salts differ', async () => {
  const a = await hashPassword('correct horse');
  const b = await hashPassword('correct horse');
  assert.match(a, /^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  assert.notEqual(a, b);
  assert.equal(await verifyPassword('correct horse', a), true);
  assert.equal(await verifyPassword('correct horse', b), true);
  assert.equal(await verifyPassword('correct horsf', a), false);
  assert.equal(await verifyPassword('', a), false);
  assert.ok(isPasswordHash(a));
});

test('the parameters are read from the hash (a cheaper old hash still verifies)', async () => {
  const { scryptSync } = await import('node:crypto');
  const salt = Buffer.from('0123456789abcdef');
  const key = scryptSync('pw', salt, 32, { N: 2 ** 10, r: 8, p: 1 });
  const encoded = `$scrypt$ln=10,r=8,p=1$${salt.toString('base64').replace(/=+$/, '')}$${key.toString('base64').replace(/=+$/, '')}`;
  assert.equal(await verifyPassword('pw', encoded), true);
  assert.equal(await verifyPassword('px', encoded), false);
});

test('malformed or abusive hashes are false, never a throw', async () => {
  for (const bad of ['', 'plain', '$scrypt$ln=15,r=8,p=1$short$short', `$scrypt$ln=40,r=8,p=1$${'A'.repeat(22)}$${'A'.repeat(43)}`,
    `$argon2id$v=19$m=65536,t=3,p=4$${'A'.repeat(22)}$${'A'.repeat(43)}`]) {
    assert.equal(await verifyPassword('pw', bad), false, bad);
    assert.equal(isPasswordHash(bad), false, bad);
  }
});
