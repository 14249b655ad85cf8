// Goal: a certificate renewed and reloaded (`tandem tls reload`) on the data node that does not lead is the one clients get through the VIP once that node leads (after `tandem cluster transfer --to`), on the SMTP sessions' thread (465) and on IMAP (993) alike; until then the leader's own pair is what the VIP presents.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { generate } from 'selfsigned';
import { TandemCluster, type MemberId } from './tandem-cluster.js';

let cluster: TandemCluster | undefined;
after(async () => { await cluster?.close(); });

/** The fingerprints a new TLS connection to the VIP is shown on 465 and 993, from the client's namespace. */
async function vipFingerprints(c: TandemCluster): Promise<{ smtps: string; imaps: string }> {
  const script = `
    const tls = require('node:tls');
    const one = (port) => new Promise((resolve, reject) => {
      const s = tls.connect({ host: ${JSON.stringify(c.harness.vip)}, port, rejectUnauthorized: false }, () => { resolve(s.getPeerCertificate().fingerprint256); s.destroy(); });
      s.setTimeout(10000, () => { s.destroy(); reject(new Error('timed out on ' + port)); });
      s.once('error', reject);
    });
    Promise.all([one(465), one(993)]).then(([smtps, imaps]) => process.stdout.write(JSON.stringify({ smtps, imaps })));`;
  const { stdout } = await c.harness.exec('c', process.execPath, ['-e', script], { timeoutMs: 30_000 });
  return JSON.parse(stdout) as { smtps: string; imaps: string };
}

/** Replaces a file whole, by rename, the way certbot's deploy hooks do. */
function replaceFile(path: string, text: string): void {
  writeFileSync(`${path}.new`, text, { mode: 0o640 });
  renameSync(`${path}.new`, path);
}

test('a pair reloaded on the follower is presented through the VIP once it leads', async (t) => {
  cluster = await TandemCluster.create();
  const c = cluster;
  try {
    await c.startAll();
    const leader = await c.waitForServingLeader();
    assert.notEqual(leader, 'w');
    const follower: MemberId = leader === 'a' ? 'b' : 'a';
    const configured = new X509Certificate(readFileSync(join(c.dir, 'config', leader, 'mail.crt'))).fingerprint256;
    assert.deepEqual(await vipFingerprints(c), { smtps: configured, imaps: configured });

    const pems = await generate([{ name: 'commonName', value: 'renewed.example.test' }], { keyType: 'ec', curve: 'P-256', algorithm: 'sha256' });
    const renewed = new X509Certificate(pems.cert).fingerprint256;
    replaceFile(join(c.dir, 'config', follower, 'mail.key'), pems.private);
    replaceFile(join(c.dir, 'config', follower, 'mail.crt'), pems.cert);
    const reload = await c.cli(follower, ['tls', 'reload']);
    assert.equal(reload.code, 0, reload.stderr);
    assert.match(reload.stdout, /renewed\.example\.test/);
    assert.ok(reload.stdout.includes(renewed), reload.stdout);
    // The leader's listeners are not the follower's business.
    assert.deepEqual(await vipFingerprints(c), { smtps: configured, imaps: configured });

    await c.waitForCaughtUp(follower, leader);
    const transfer = await c.cli(leader, ['cluster', 'transfer', '--to', follower]);
    assert.equal(transfer.code, 0, transfer.stderr);
    assert.equal(await c.waitForServingLeader(15_000, { not: leader }), follower);
    assert.deepEqual(await vipFingerprints(c), { smtps: renewed, imaps: renewed });
    const status = await c.cli(follower, ['status']);
    assert.ok(status.stdout.includes(renewed), status.stdout);
  } catch (err) {
    t.diagnostic(c.logTails());
    throw err;
  }
});
