// Goal: a certificate renewed while the listeners are closed (a cluster member that is not leading) is the one they present when they open; one renewed while they are open reaches new SMTP and IMAP connections at once; a pair that does not load changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import { pino } from 'pino';
import { generate } from 'selfsigned';
import { loadConfig } from '@tandem/config';
import { LocalCommandLog, MailStore } from '@tandem/store';
import { freePorts } from '@tandem/testkit';
import { DaemonMetrics } from './daemon-metrics.js';
import { MailServices } from './mail-services.js';

async function pair(name: string): Promise<{ cert: string; key: string; fingerprint: string }> {
  const pems = await generate([{ name: 'commonName', value: name }], { keyType: 'ec', curve: 'P-256', algorithm: 'sha256' });
  return { cert: pems.cert, key: pems.private, fingerprint: new X509Certificate(pems.cert).fingerprint256 };
}

function fingerprintAt(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connectTls({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

test('renewed while closed: presented at the next opening; renewed while open: presented at once; a bad pair: refused, nothing changes', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-mail-services-'));
  const [mx, submission, submissions, imap, imaps] = await freePorts(5);
  const overrides = Object.entries({ dataDir, 'smtp.port': mx, 'smtp.submissionPort': submission, 'smtp.submissionsPort': submissions, 'imap.port': imap, 'imap.imapsPort': imaps })
    .map(([key, value]) => ({ key, value, label: key }));
  const config = loadConfig({ dev: true, cwd: dataDir, overrides });
  const store = await MailStore.open({ dataDir });
  const commandLog = await LocalCommandLog.open({ dir: join(dataDir, 'log'), store });
  const [first, second, third] = [await pair('first.test'), await pair('second.test'), await pair('third.test')];
  const services = new MailServices({
    config, store, commandLog, tls: first, logger: pino({ level: 'silent' }), metrics: new DaemonMetrics('t', 'single'),
  });
  t.after(async () => {
    await services.stop();
    await commandLog.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  await services.openOn('127.0.0.1');
  assert.deepEqual([await fingerprintAt(submissions!), await fingerprintAt(imaps!)], [first.fingerprint, first.fingerprint]);
  await services.close();
  assert.throws(() => services.updateTls({ cert: first.cert, key: second.key }), /key values mismatch/, 'checked while closed too');
  services.updateTls(second);
  await services.openOn('127.0.0.1');
  assert.deepEqual([await fingerprintAt(submissions!), await fingerprintAt(imaps!)], [second.fingerprint, second.fingerprint], 'the opening after a renewal');

  services.updateTls(third);
  // The sessions' thread takes it by message: wait (bounded) until a new connection shows it.
  const deadline = Date.now() + 10_000;
  while (await fingerprintAt(submissions!) !== third.fingerprint) assert.ok(Date.now() < deadline, 'the SMTP listener never presented the renewed certificate');
  assert.equal(await fingerprintAt(imaps!), third.fingerprint);

  assert.throws(() => services.updateTls({ cert: first.cert, key: second.key }), /key values mismatch/);
  assert.deepEqual([await fingerprintAt(submissions!), await fingerprintAt(imaps!)], [third.fingerprint, third.fingerprint], 'a bad pair changes nothing');
});
