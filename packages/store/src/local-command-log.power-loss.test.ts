// Goal: a power cut in the middle of a stream of acknowledged deliveries and MOVEs (background checkpoints running) loses nothing acknowledged: after recovery every acknowledged message is present exactly once and intact, nothing torn or stray is visible, and the state digest equals that of a store built from the log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from './command.js';
import { MailStore } from './mail-store.js';
import { LocalCommandLog } from './local-command-log.js';
import { decodeCommand } from './command-codec.js';
import { scanRecords } from './log-record.js';
import { PowerCut } from './power-cut-fixture.js';
import { crashMessageBody, crashMessageNumber, crashUser } from './local-command-log.crash-workload.js';
import { checkConsistency, fixedPasswordHash, makeTempDir, seededRandom, testSeed } from './store-test-fixture.js';

const mailboxes = ['INBOX', 'Archive'];

/** Every message of the crash user: number (undefined if damaged) per mailbox/uid. */
async function inventory(store: MailStore): Promise<Array<{ where: string; n: number | undefined }>> {
  const out: Array<{ where: string; n: number | undefined }> = [];
  for (const mailbox of mailboxes) {
    for (const m of store.listMessages(crashUser, mailbox)) {
      const body = await store.readMessage(crashUser, mailbox, m.uid).catch(() => Buffer.alloc(0));
      out.push({ where: `${mailbox}/${m.uid}`, n: crashMessageNumber(body) });
    }
  }
  return out;
}

/**
 * The digest of a fresh store that applies entries 1..lastIndex: those still in the log in
 * `logDir`, and the ones compaction already dropped from the commands acknowledged at them.
 */
async function referenceDigest(logDir: string, acknowledged: ReadonlyMap<number, Command>, lastIndex: number, dataDir: string): Promise<string> {
  const inLog = new Map<number, Command>();
  for (const name of (await readdir(logDir)).filter((n) => n.endsWith('.log')).sort()) {
    for (const record of scanRecords(await readFile(join(logDir, name))).records) inLog.set(record.index, decodeCommand(record.command));
  }
  const store = await MailStore.open({ dataDir });
  for (let index = 1; index <= lastIndex; index++) {
    const command = inLog.get(index) ?? acknowledged.get(index);
    assert.ok(command, `entry ${index} is neither in the log nor acknowledged`);
    await store.apply(index, command);
  }
  const digest = await store.stateDigest();
  await store.close();
  return digest;
}

test('power cut during acknowledged deliveries and moves: nothing acknowledged is lost or torn; state equals the log', async (t) => {
  const seed = testSeed();
  t.diagnostic(`seed ${seed} (TEST_SEED=${seed} to replay)`);
  const rnd = seededRandom(seed);
  const tmp = await makeTempDir('power-log');
  const [data, crash] = [join(tmp.dir, 'data'), join(tmp.dir, 'crash')];
  const power = new PowerCut(data, tmp.dir);
  const acked: number[] = [];
  let ackedAtCut: number[] | undefined;
  const cutAfterAcks = 80 + Math.floor(rnd() * 200);
  try {
    const store = await MailStore.open({
      dataDir: data, afterIndexSync: power.afterIndexSync, checkpointEntriesMax: 20 + Math.floor(rnd() * 40), checkpointIntervalMs: 50,
      // The cut comes between two commits (no file step half done), while proposals are in flight.
      beforeCommit: () => {
        if (ackedAtCut || acked.length < cutAfterAcks) return;
        power.freeze(crash);
        ackedAtCut = [...acked];
      },
    });
    // Small segments: compaction (and the checkpoint it needs) runs all along, cut included.
    const log = await LocalCommandLog.open({ dir: join(data, 'log'), store, segmentBytesMax: 48 * 1024 });
    const now = (): number => 1_767_225_600_000 + acked.length;
    const acknowledged = new Map<number, Command>();
    const propose = async (command: Command): Promise<boolean> => {
      const result = await log.propose(command);
      if (!ackedAtCut) acknowledged.set(result.index, command);
      return result.ok;
    };
    await propose({ type: 'domain.add', timestampMs: now(), domain: 'example.test' });
    await propose({ type: 'user.add', timestampMs: now(), address: crashUser, passwordHash: fixedPasswordHash });
    power.start();
    let next = 0;
    const deliverer = async (): Promise<void> => {
      while (!ackedAtCut && next < 5000) {
        const n = next++;
        const ok = await propose({
          type: 'message.deliver', timestampMs: now(), dedupeKey: `power-${n}`, queueId: `P${n}`,
          envelope: { mailFrom: 'load@example.org', rcptTo: [crashUser] }, recipients: [{ user: crashUser, mailbox: 'INBOX' }],
          message: crashMessageBody(n),
        });
        assert.ok(ok, `delivery ${n} failed`);
        acked.push(n);
      }
    };
    const mover = async (): Promise<number> => {
      let moves = 0;
      while (!ackedAtCut) {
        const from = rnd() < 0.7 ? 'INBOX' : 'Archive';
        const list = store.listMessages(crashUser, from);
        const pick = list[Math.floor(rnd() * list.length)];
        const command: Command = pick
          ? { type: 'message.copy', timestampMs: now(), user: crashUser, mailbox: from, uids: [pick.uid], target: from === 'INBOX' ? 'Archive' : 'INBOX', move: true }
          : { type: 'mailbox.subscribe', timestampMs: now(), user: crashUser, mailbox: 'Archive', subscribed: true };
        if ((await propose(command)) && pick) moves++;
      }
      return moves;
    };
    const [moves] = await Promise.all([mover(), ...Array.from({ length: 8 }, deliverer)]);
    await log.close();
    await store.close();
    power.stop();
    assert.ok(ackedAtCut, 'the cut happened');

    const damage = power.damage(rnd, crash);
    t.diagnostic(`acked at the cut ${ackedAtCut.length}, moves ${moves}; the cut removed ${damage.removed.length} names and cut short ${damage.truncated.length} files`);
    assert.ok(damage.removed.length + damage.truncated.length >= 1, `the cut destroyed nothing: no teeth (seed ${seed})`);
    const recovered = await MailStore.open({ dataDir: crash });
    const [checkpointAtOpen, appliedAtOpen] = [recovered.checkpointIndex, recovered.appliedIndex];
    const recoveredLog = await LocalCommandLog.open({ dir: join(crash, 'log'), store: recovered });
    t.diagnostic(`at open: checkpoint ${checkpointAtOpen}, applied ${appliedAtOpen}; recovery applied ${recoveredLog.stats().replayed} entries again, up to ${recoveredLog.lastIndex}`);
    const seen = new Map<number, number>();
    for (const { where, n } of await inventory(recovered)) {
      assert.notEqual(n, undefined, `${where} is damaged (seed ${seed})`);
      seen.set(n!, (seen.get(n!) ?? 0) + 1);
    }
    for (const n of ackedAtCut) assert.equal(seen.get(n), 1, `acknowledged message ${n} present ${seen.get(n) ?? 0} times (seed ${seed})`);
    assert.ok([...seen.values()].every((c) => c === 1), `duplicates (seed ${seed})`);
    assert.deepEqual(await checkConsistency(recovered), { filesWithoutRow: [], rowsWithoutFile: [] }, `seed ${seed}`);
    const digest = await recovered.stateDigest();
    await recoveredLog.close();
    await recovered.close();
    const reference = await referenceDigest(join(crash, 'log'), acknowledged, recoveredLog.lastIndex, join(tmp.dir, 'reference'));
    assert.equal(digest, reference, `state digest differs from a store built from the log (seed ${seed})`);
  } finally {
    power.stop();
    await tmp.remove();
  }
});
