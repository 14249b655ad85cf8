// Goal: the reviewers' notice says what is held, under which rule, and how to decide it; a non-ASCII subject survives (RFC 2047); it is marked auto-generated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import { heldNotice } from './held-notice.js';

test('the notice names the message, the rule and the commands, to every reviewer', async () => {
  const raw = await heldNotice({
    hostname: 'mail.example.test', reviewers: ['boss@example.test', 'legal@example.test'], queueId: 'H7', rule: 'rival',
    mailFrom: 'spy@rival.test', rcptTo: ['ceo@example.test'], subject: 'Prix réduits — offre', sizeBytes: 1234, dateMs: Date.UTC(2026, 10, 30, 3, 0, 0),
  });
  const mail = await simpleParser(raw);
  assert.equal(mail.subject, '[review] held: Prix réduits — offre');
  assert.deepEqual((Array.isArray(mail.to) ? mail.to : [mail.to]).flatMap((a) => a?.value.map((v) => v.address)), ['boss@example.test', 'legal@example.test']);
  assert.equal(mail.from?.value[0]?.address, 'postmaster@mail.example.test');
  assert.equal(mail.messageId, '<review.H7@mail.example.test>');
  assert.equal(mail.headers.get('auto-submitted'), 'auto-generated');
  assert.equal(mail.date?.getTime(), Date.UTC(2026, 10, 30, 3, 0, 0));
  for (const line of ['under the rule "rival"', 'Queue ID: H7', 'From:     spy@rival.test', 'To:       ceo@example.test', 'tandem review approve H7', 'tandem review reject H7']) {
    assert.ok(mail.text?.includes(line), line);
  }
  assert.doesNotMatch(raw.toString('latin1'), /[^\r]\n/, 'CRLF line ends only');
});
