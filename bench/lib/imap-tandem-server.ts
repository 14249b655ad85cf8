/**
 * Child process of the IMAP bench (bench/lib/imap-tandem.ts): opens a loaded Tandem data dir (the
 * store and its command log, as tandemd does) and serves it with ImapServer on an OS-chosen
 * loopback port, plaintext LOGIN allowed from loopback (dev mode), like the Dovecot it is
 * compared with. Prints "port N" when listening; SIGTERM closes everything and exits, which is
 * also when `--cpu-prof` writes its profile.
 *
 *   node --import tsx bench/imap-tandem-server.ts --data DIR [--lift-rate-limit]
 */
import { parseArgs } from 'node:util';
import { generate } from 'selfsigned';
import { limits } from '@tandem/config';
import { ImapServer } from '@tandem/imap';
import { LocalCommandLog, MailStore } from '@tandem/store';
import { commandLogDir } from './imap-tandem.js';

const { values } = parseArgs({ options: { data: { type: 'string' }, 'lift-rate-limit': { type: 'boolean', default: false } } });
if (!values.data) {
  console.error('usage: imap-tandem-server.ts --data DIR [--lift-rate-limit]');
  process.exit(2);
}
if (values['lift-rate-limit']) {
  // Diagnostic only (bench/imap.ts --lift-rate-limit): shows what the command engine does without
  // the per-session token bucket. Sessions read the limit when they are created.
  (limits as { imapCommandsPerSecondMax: number }).imapCommandsPerSecondMax = 1_000_000;
  (limits as { imapCommandBurstMax: number }).imapCommandBurstMax = 1_000_000;
}
const store = await MailStore.open({ dataDir: values.data });
const log = await LocalCommandLog.open({ dir: commandLogDir(values.data), store });
// The imaps listener is off, but ImapServer builds its TLS context up front (STARTTLS).
const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', curve: 'P-256', algorithm: 'sha256' });
const server = new ImapServer({
  reader: store, commandLog: log, tls: { key: pems.private, cert: pems.cert },
  host: '127.0.0.1', ports: { imap: 0, imaps: null }, devLoopbackPlainAuth: true,
});
await server.listen();
process.stdout.write(`port ${server.address('imap').port}\n`);

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  void (async () => {
    await server.close();
    await log.close();
    await store.close();
    process.exit(0);
  })();
});
