// Goal: kill -9 at random (seeded) moments while 500 messages go in over 10 connections; after recovery every message that got a 250 is stored exactly once and intact, and no stray or half-written file is visible.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCommandLog, MailStore } from '@tandem/store';
import { SmtpWireClient } from '@tandem/smtp';
import { DaemonProcess } from '../support/daemon-process.js';
import { SeededRandom, testSeed } from '../support/seeded-random.js';

const messageCount = 500;
const connections = 10;
const killCount = 5;
const user = 'demo@example.test';

function message(i: number, random: SeededRandom): Buffer {
  const filler = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(2);
  const lines = random.int(1, 120);
  let body = '';
  for (let l = 0; l < lines; l++) body += `${i}:${l}:${filler.slice(0, random.int(0, filler.length))}\r\n`;
  return Buffer.from(`From: sender${i}@elsewhere.test\r\nTo: ${user}\r\nSubject: crash test ${i}\r\nX-Test-Id: ${i}\r\n\r\n${body}`);
}

test(`crash safety: ${messageCount} messages, ${connections} connections, ${killCount} × kill -9`, { timeout: 240_000 }, async (t) => {
  const seed = testSeed();
  t.diagnostic(`seed=${seed} (rerun with TANDEM_SEED=${seed})`);
  const random = new SeededRandom(seed);
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-crash-'));
  const messages = Array.from({ length: messageCount }, (_, i) => message(i, random));
  // Kill when the number of 250s reaches each threshold, plus a few ms so the kill lands mid-flight.
  const thresholds = Array.from({ length: killCount }, () => random.int(1, messageCount - 1)).sort((a, b) => a - b);
  const killDelaysMs = thresholds.map(() => random.int(0, 20));
  t.diagnostic(`kill after ${thresholds.join(', ')} acknowledgements (+${killDelaysMs.join(', ')} ms)`);

  const { args } = await DaemonProcess.devArgs(dataDir);
  let daemon = DaemonProcess.spawn(args);
  let smtpPort = (await daemon.ready()).smtp;
  let up: Promise<void> = Promise.resolve();
  const acked = new Map<number, string>();
  const queue = messages.map((_, i) => i);
  let kills = 0;
  let restarting = false;

  let retried = 0;
  let restarted: Promise<void> = Promise.resolve();

  // Workers keep sending during the delay, so the kill lands among transactions in flight; from
  // the kill on, they wait for `up` (the restarted daemon) before their next attempt.
  const restart = async (): Promise<void> => {
    restarting = true;
    await new Promise((resolve) => setTimeout(resolve, killDelaysMs[kills] ?? 0));
    let markUp!: () => void;
    let markFailed!: (err: unknown) => void;
    up = new Promise((resolve, reject) => { markUp = resolve; markFailed = reject; });
    up.catch(() => undefined); // observed by the workers and by `restarted`
    try {
      daemon.kill('SIGKILL');
      await daemon.exited;
      kills += 1;
      daemon = DaemonProcess.spawn(args);
      smtpPort = (await daemon.ready()).smtp;
    } catch (err) {
      markFailed(err); // a daemon that does not come back fails every worker at once
      throw err;
    }
    restarting = false;
    markUp();
  };

  const worker = async (): Promise<void> => {
    let client: SmtpWireClient | undefined;
    for (let attempts = 0; attempts < messageCount * 20 && (queue.length > 0); attempts++) {
      await up;
      const i = queue.shift();
      if (i === undefined) break;
      try {
        if (!client) {
          client = await SmtpWireClient.connect(smtpPort);
          await client.send('EHLO crash.elsewhere.test');
        }
        const replies = await client.sendMail(`sender${i}@elsewhere.test`, [user], messages[i]!);
        const last = replies.at(-1);
        if (last?.code !== 250) throw new Error(`unexpected reply ${last?.code} ${last?.lines.join(' ')}`);
        acked.set(i, last.lines[0] ?? '');
        if (!restarting && kills < thresholds.length && acked.size >= thresholds[kills]!) {
          restarted = restart();
          restarted.catch(() => undefined); // awaited after the workers
        }
      } catch (err) {
        if (err instanceof Error && err.message.startsWith('unexpected reply')) throw err;
        if (err instanceof Error && err.message.startsWith('tandemd ')) throw err; // did not restart
        // Connection refused or cut by the kill: retry later with the same bytes (RFC 5321 §4.5.4.1).
        queue.push(i);
        retried += 1;
        client?.destroy();
        client = undefined;
        if (!restarting) await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
    await client?.quit().catch(() => undefined);
  };
  await Promise.all(Array.from({ length: connections }, worker));
  await restarted;
  t.diagnostic(`${retried} transactions cut by a kill were retried`);
  assert.equal(acked.size, messageCount, 'every message was acknowledged in the end');
  assert.equal(kills, killCount);
  // The last crash: kill -9 once more, then recover in this process, as a restart would.
  daemon.kill('SIGKILL');
  await daemon.exited;

  const store = await MailStore.open({ dataDir });
  const log = await LocalCommandLog.open({ dir: join(dataDir, 'log'), store });
  try {
    const tmpFiles = checkStore(store, dataDir, messages, acked, seed);
    t.diagnostic(`${store.listMessages(user, 'INBOX').length} messages stored; ${tmpFiles} files left in tmp/`);
  } finally {
    await log.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

/** Checks the recovered store; returns the number of files left in tmp/ (invisible to Maildir readers). */
function checkStore(store: MailStore, dataDir: string, messages: Buffer[], acked: Map<number, string>, seed: number): number {
  const records = store.listMessages(user, 'INBOX');
  const seen = new Map<number, number>();
  for (const record of records) {
    const path = store.messagePath(user, 'INBOX', record.uid);
    assert.ok(path, `seed ${seed}: index row for UID ${record.uid} has a path`);
    const bytes = readFileSync(path); // throws if the index row has no file
    assert.equal(bytes.length, record.sizeBytes, `seed ${seed}: UID ${record.uid} size matches the index`);
    const id = Number(/\r\nX-Test-Id: (\d+)\r\n/.exec(bytes.toString('latin1'))?.[1]);
    assert.ok(Number.isInteger(id), `seed ${seed}: UID ${record.uid} is one of ours`);
    seen.set(id, (seen.get(id) ?? 0) + 1);
    const sent = messages[id]!;
    assert.ok(bytes.subarray(bytes.length - sent.length).equals(sent), `seed ${seed}: message ${id} intact`);
    assert.match(bytes.subarray(0, bytes.length - sent.length).toString('latin1'), /^Return-Path: <sender\d+@elsewhere\.test>\r\nReceived: /);
  }
  for (const [id] of acked) assert.equal(seen.get(id), 1, `seed ${seed}: acknowledged message ${id} stored exactly once`);
  for (const [id, count] of seen) assert.equal(count, 1, `seed ${seed}: message ${id} stored once, not ${count} times`);

  const root = join(dataDir, 'mail', 'example.test', 'demo');
  const visible = ['new', 'cur'].flatMap((dir) => readdirSync(join(root, dir)).map((f) => `${dir}/${f}`)).sort();
  assert.deepEqual(visible, records.map((r) => r.file).sort(), `seed ${seed}: no stray file in new/ or cur/`);
  return readdirSync(join(root, 'tmp')).length;
}
