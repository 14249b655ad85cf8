// Goal: on a node that is not the leader, every write answers NO [UNAVAILABLE] (nothing was proposed) and reads still work; an unknown outcome ends the session with BYE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NotLeaderError, OutcomeUnknownError } from '@tandem/store';
import type { Command, CommandLog } from '@tandem/store';
import { demoPassword, demoUser, ImapHarness, sampleMessage } from './imap-test-harness.js';
import { ImapLineClient } from './imap-line-client.js';

function refusingLog(error: () => Error): CommandLog {
  return {
    propose: (_command: Command) => Promise.reject(error()),
    close: async () => {},
  };
}

test('writes get NO [UNAVAILABLE] when not leader; reads are served', async () => {
  const harness = await ImapHarness.start({ server: { commandLog: refusingLog(() => new NotLeaderError('10.0.0.2')) } });
  try {
    await harness.deliver(sampleMessage(1));
    const c = await ImapLineClient.open(harness.imapPort);
    await c.command('a1', `LOGIN ${demoUser} ${demoPassword}`);
    assert.equal((await c.command('a2', 'SELECT INBOX')).at(-1), 'a2 OK [READ-WRITE] SELECT completed\r\n');
    assert.equal((await c.command('a3', 'FETCH 1 (UID FLAGS)'))[0], '* 1 FETCH (UID 1 FLAGS ())\r\n');
    const unavailable = 'NO [UNAVAILABLE] Server is not accepting changes right now; try again\r\n';
    assert.deepEqual(await c.command('a4', 'STORE 1 +FLAGS (\\Seen)'), [`a4 ${unavailable}`]);
    assert.deepEqual(await c.command('a5', 'CREATE Other'), [`a5 ${unavailable}`]);
    assert.deepEqual(await c.command('a6', 'APPEND INBOX {12+}\r\nSubject: x\r\n'), [`a6 ${unavailable}`]);
    assert.deepEqual(await c.command('a7', 'FETCH 1 BODY[TEXT]'), [`a7 ${unavailable}`]); // setting \Seen is a write
    assert.equal((await c.command('a8', 'FETCH 1 BODY.PEEK[TEXT]')).at(-1), 'a8 OK FETCH completed\r\n');
    assert.deepEqual(harness.store.listMessages(demoUser, 'INBOX').map((m) => m.flags), [[]]);
    c.close();
  } finally {
    await harness.close();
  }
});

test('a write whose outcome is unknown ends the session with BYE, so the client resynchronises', async () => {
  const harness = await ImapHarness.start({ server: { commandLog: refusingLog(() => new OutcomeUnknownError('leadership lost')) } });
  try {
    const c = await ImapLineClient.open(harness.imapPort);
    await c.command('a1', `LOGIN ${demoUser} ${demoPassword}`);
    c.send('a2 CREATE Other\r\n');
    assert.deepEqual(await c.responses(1), ['* BYE [UNAVAILABLE] Outcome of the last change is unknown; reconnect and resynchronise\r\n']);
    await c.waitClosed();
  } finally {
    await harness.close();
  }
});
