// Child process of local-command-log.crash.test.ts: proposes deliveries through the real log until it is
// killed, printing "ACK <n>" to stdout only after propose() for message n has resolved (stdout to a pipe is
// synchronous on Linux, so a line the parent has read is a delivery that was acknowledged).
import { join } from 'node:path';
import { MailStore } from './mail-store.js';
import { LocalCommandLog } from './local-command-log.js';
import { crashMessageBody, crashUser } from './local-command-log.crash-workload.js';
import { fixedPasswordHash } from './store-test-fixture.js';

const [dataDir, startArg] = process.argv.slice(2);
if (!dataDir || !startArg) throw new Error('usage: crash-child <dataDir> <firstMessageNumber>');
const store = await MailStore.open({ dataDir });
const log = await LocalCommandLog.open({ dir: join(dataDir, 'log'), store });
if (!store.getUser(crashUser)) {
  await log.propose({ type: 'domain.add', timestampMs: Date.now(), domain: 'example.test' });
  await log.propose({ type: 'user.add', timestampMs: Date.now(), address: crashUser, passwordHash: fixedPasswordHash });
}
process.stdout.write('READY\n');
let next = Number(startArg);
const limit = next + 100_000; // bounded; the parent kills us long before
async function worker(): Promise<void> {
  while (next < limit) {
    const n = next++;
    const result = await log.propose({
      type: 'message.deliver', timestampMs: Date.now(), dedupeKey: `crash-${n}`, queueId: `C${n}`,
      envelope: { mailFrom: 'load@example.org', rcptTo: [crashUser] }, recipients: [{ user: crashUser, mailbox: 'INBOX' }],
      message: crashMessageBody(n),
    });
    if (!result.ok) throw new Error(`delivery ${n} failed: ${result.error} ${result.message}`);
    process.stdout.write(`ACK ${n}\n`);
  }
}
await Promise.all(Array.from({ length: 10 }, worker));
