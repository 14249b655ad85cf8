// Goal: a MULTIAPPEND whose later message fails at apply (a change that landed in between) leaves none of its messages behind (RFC 3502 §6.3.11), and the client gets the failure's NO.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApplyResult, Command, CommandLog } from '@tandem/store';
import { demoPassword, demoUser, ImapHarness, sampleMessage } from '../imap-test-harness.js';
import { ImapLineClient } from '../imap-line-client.js';

/**
 * The harness's own log, except that just before the first message.append goes in, `before` is
 * proposed: a change that lands between the checks APPEND makes up front and its appends, as a
 * delivery from SMTP could.
 */
class InterleavingLog implements CommandLog {
  inner: CommandLog | undefined;
  private fired = false;
  constructor(private readonly before: (inner: CommandLog) => Promise<void>) {}

  async propose(command: Command): Promise<ApplyResult> {
    const inner = this.inner!;
    if (command.type === 'message.append' && !this.fired) {
      this.fired = true;
      await this.before(inner);
    }
    return inner.propose(command);
  }

  async close(): Promise<void> {}
}

const literal = (text: string): string => `{${Buffer.byteLength(text)}+}\r\n${text}`;

test('a MULTIAPPEND that fails part-way takes back the messages it already appended', async () => {
  const quotaBytes = 10_000;
  const appended = [1, 2, 3].map((n) => sampleMessage(n, { subject: `multiappend ${n}`, body: 'x'.repeat(900) }));
  const appendBytes = appended.reduce((n, m) => n + Buffer.byteLength(m), 0);
  // Leaves room for the first appended message only.
  const delivered = sampleMessage(9, { subject: 'delivered meanwhile', body: 'y'.repeat(quotaBytes - 2 * Buffer.byteLength(appended[0]!) + 100) });
  const log = new InterleavingLog(async (inner) => {
    const result = await inner.propose({
      type: 'message.deliver', timestampMs: harness.clockMs, dedupeKey: 'meanwhile', queueId: 'M1',
      envelope: { mailFrom: 'sender@example.org', rcptTo: [demoUser] },
      recipients: [{ user: demoUser, mailbox: 'INBOX' }], message: Buffer.from(delivered),
    });
    assert.equal(result.ok, true, 'the delivery in between applies');
  });
  const harness = await ImapHarness.start({ quotaBytes, server: { commandLog: log } });
  log.inner = harness.log;
  try {
    assert.ok(appendBytes <= quotaBytes, 'the up-front quota check passes');
    const c = await ImapLineClient.open(harness.imapPort);
    await c.command('a1', `LOGIN ${demoUser} ${demoPassword}`);
    const reply = await c.command('a2', `APPEND INBOX (\\Seen) ${appended.map(literal).join(' ')}`);
    assert.match(reply.at(-1)!, /^a2 NO \[OVERQUOTA\] /);

    // Only the delivery is left: the first appended message was applied, then taken back.
    const messages = harness.store.listMessages(demoUser, 'INBOX');
    assert.deepEqual(messages.map((m) => m.uid), [1]);
    const select = await c.command('a3', 'SELECT INBOX');
    assert.ok(select.includes('* 1 EXISTS\r\n'), select.join(''));
    const fetched = await c.command('a4', 'UID FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])');
    assert.equal(fetched.filter((line) => line.startsWith('* ')).length, 1);
    assert.match(fetched[0]!, /delivered meanwhile/);
    // The appended message got a UID (2) that is gone for good: the next one is 3 or more.
    const status = await c.command('a5', 'STATUS INBOX (UIDNEXT MESSAGES)');
    assert.match(status[0]!, /UIDNEXT (\d+)/);
    assert.ok(Number(/UIDNEXT (\d+)/.exec(status[0]!)![1]) >= 3, status[0]);
    c.close();
  } finally {
    await harness.close();
  }
});
