/**
 * A real store with the archive on and a few journaled messages, for the archive package's tests
 * (not exported).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCommandLog, MailStore, type Command } from '@tandem/store';

export const t0 = Date.UTC(2026, 10, 1);
export const day = 86_400_000;

export interface ArchiveBed {
  store: MailStore;
  dataDir: string;
  propose(c: Command): Promise<void>;
  /** Closes the log and the store, so a test can change the data dir behind the server's back; reopen with MailStore.open. */
  stop(): Promise<void>;
  close(): Promise<void>;
}

export async function archiveBed(): Promise<ArchiveBed> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-archive-'));
  const store = await MailStore.open({ dataDir });
  const log = await LocalCommandLog.open({ dir: join(dataDir, 'log'), store });
  const propose = async (c: Command): Promise<void> => {
    const r = await log.propose(c);
    if (!r.ok) throw new Error(`${c.type}: ${r.error} ${r.message}`);
  };
  await propose({ type: 'domain.add', domain: 'example.test', timestampMs: t0 });
  for (const u of ['alice', 'bob']) {
    await propose({ type: 'user.add', address: `${u}@example.test`, passwordHash: `$scrypt$ln=15,r=8,p=1$${'A'.repeat(22)}$${'B'.repeat(43)}`, timestampMs: t0 });
  }
  await propose({ type: 'archive.configure', enabled: true, timestampMs: t0 });
  const mail = [
    { from: 'partner@supplier.test', to: 'alice@example.test', subject: '=?UTF-8?Q?Pr=C3=A9vision?= Q4', body: 'the forecast is attached\r\nFrom the desk of partner\r\n', at: t0 + day },
    { from: 'alice@example.test', to: 'bob@example.test', subject: 'lunch', body: 'noon?\r\n', at: t0 + 2 * day },
    { from: 'bob@example.test', to: 'alice@example.test', subject: 'Re: lunch', body: 'yes, the forecast can wait\r\n', at: t0 + 3 * day },
  ];
  let n = 0;
  for (const m of mail) {
    n++;
    await propose({
      type: 'message.deliver', timestampMs: m.at, dedupeKey: `a${n}`, queueId: `A${n}`, envelope: { mailFrom: m.from, rcptTo: [m.to] },
      recipients: [{ user: m.to, mailbox: 'INBOX' }],
      message: Buffer.from(`From: <${m.from}>\r\nTo: <${m.to}>\r\nSubject: ${m.subject}\r\nMessage-ID: <a${n}@example.test>\r\n\r\n${m.body}`),
    });
  }
  let logOpen = true;
  const bed: ArchiveBed = {
    store, dataDir, propose,
    stop: async () => {
      if (logOpen) await log.close();
      logOpen = false;
      await bed.store.close();
    },
    close: async () => {
      if (logOpen) await log.close();
      logOpen = false;
      await bed.store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return bed;
}
