// Goal: random and mutated commands in every state never crash or hang a session, every reply is well-formed, and no command ends in an unexpected server error (seeded; TEST_SEED=n replays).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { literalMarkerAt } from '../wire/command-reader.js';
import { demoPassword, demoUser, ImapHarness, sampleMessage } from './imap-test-harness.js';
import { ImapLineClient } from './imap-line-client.js';
import type { ImapLogger } from './imap-logger.js';
import { mulberry32 } from '@tandem/testkit';

const seed = process.env['TEST_SEED'] ? Number(process.env['TEST_SEED']) : Math.floor(Math.random() * 2 ** 31);
const rounds = 40;
const commandsPerRound = 25;


// Commands of every state (IDLE, AUTHENTICATE, STARTTLS and LOGOUT change the connection itself and are left out).
const corpus = [
  'CAPABILITY', 'NOOP', 'ID ("name" "fuzz")', 'ID NIL', 'NAMESPACE', 'ENABLE CONDSTORE', 'ENABLE QRESYNC',
  'LOGIN demo@example.test wrong', 'SELECT INBOX', 'EXAMINE INBOX', 'SELECT INBOX (CONDSTORE)', 'SELECT INBOX (QRESYNC (2 1 1:*))',
  'CREATE Fuzz/a', 'DELETE Fuzz/a', 'RENAME Fuzz Fuzz2', 'SUBSCRIBE Fuzz', 'UNSUBSCRIBE Fuzz', 'LIST "" *', 'LIST (SUBSCRIBED RECURSIVEMATCH) "" %',
  'LIST "" % RETURN (STATUS (MESSAGES UNSEEN SIZE) CHILDREN SPECIAL-USE)', 'LSUB "" *', 'STATUS INBOX (MESSAGES RECENT UIDNEXT UNSEEN HIGHESTMODSEQ)',
  'APPEND INBOX (\\Seen) {12+}\r\nSubject: f\r\n', 'CHECK', 'CLOSE', 'UNSELECT', 'EXPUNGE', 'UID EXPUNGE 1:3',
  'SEARCH ALL', 'SEARCH OR FROM a NOT SEEN', 'UID SEARCH RETURN (MIN MAX COUNT SAVE) TEXT body', 'SEARCH CHARSET UTF-8 SUBJECT x',
  'FETCH 1:* (FLAGS UID ENVELOPE)', 'FETCH 1 (BODY.PEEK[1.MIME] BODY[HEADER.FIELDS (Subject)]<0.10> BINARY.SIZE[1])', 'UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)',
  'FETCH $ FAST', 'STORE 1 +FLAGS (\\Flagged)', 'UID STORE 1:* (UNCHANGEDSINCE 3) -FLAGS.SILENT (\\Seen)', 'COPY 1 Archive', 'UID MOVE 2 Trash',
  'SORT (REVERSE DATE SUBJECT) UTF-8 ALL', 'THREAD REFERENCES UTF-8 ALL', 'GETQUOTAROOT INBOX', 'GETQUOTA ""', 'SETQUOTA "" (STORAGE 1)',
];
const junk = ['(', ')', '"', '\\', '*', '%', '[', ']', '<', '>', ' ', '0', '4294967296', '\u00e9', 'NIL', '$', ':', ',', '\x00', '\x7f', '}', '{'];

function mutate(command: string, random: () => number): string {
  let text = command;
  const edits = Math.floor(random() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(random() * (text.length + 1));
    const kind = random();
    if (kind < 0.35) text = text.slice(0, at) + junk[Math.floor(random() * junk.length)] + text.slice(at);
    else if (kind < 0.6) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 4));
    else if (kind < 0.8) text = text.slice(0, at);
    else text = text.slice(0, at) + text.slice(Math.floor(random() * text.length));
  }
  return text;
}

/** A line that would announce a literal is made not to (the sync NOOP after it would be swallowed). */
function withoutTrailingLiteral(line: string): string {
  const bytes = Buffer.from(line, 'latin1');
  return literalMarkerAt(bytes, bytes.length) ? `${line}x` : line;
}

const responseRe = /^(\* |\+ |\+\r\n|[!#$&'+,\-./0-9:;<=>?@A-Z^_`a-z|~\]]+ (OK|NO|BAD) )/;

test(`fuzzed commands in every state (seed ${seed})`, async () => {
  const random = mulberry32(seed);
  const errors: string[] = [];
  const logger: ImapLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: (fields) => { errors.push(JSON.stringify(fields)); } };
  const harness = await ImapHarness.start({ server: { logger } });
  try {
    for (let n = 0; n < 3; n++) await harness.deliver(sampleMessage(n, { body: `body ${n}` }));
    let sync = 0;
    for (let round = 0; round < rounds; round++) {
      const client = await ImapLineClient.open(harness.imapPort);
      // 0: not authenticated, 1: authenticated, 2: selected, 3: selected as an IMAP4rev2 + QRESYNC client
      const state = round % 4;
      if (state >= 1) await client.command('L', `LOGIN ${demoUser} ${demoPassword}`);
      if (state === 3) await client.command('E', 'ENABLE IMAP4rev2 UTF8=ACCEPT QRESYNC');
      if (state >= 2) await client.command('S', 'SELECT INBOX');
      for (let k = 0; k < commandsPerRound && !client.closed; k++) {
        const base = corpus[Math.floor(random() * corpus.length)]!;
        // A literal stays whole (its size must match its data, or the sync NOOP would be read as data);
        // only the text before it is mutated.
        const literalAt = base.indexOf(' {');
        const head = literalAt === -1 ? base : base.slice(0, literalAt);
        const fuzzedHead = withoutTrailingLiteral(random() < 0.3 ? head : mutate(head, random));
        const fuzzed = literalAt === -1 ? fuzzedHead : fuzzedHead + base.slice(literalAt);
        const tag = `f${round}.${k}`;
        client.send(`${tag} ${fuzzed}\r\n`);
        const syncTag = `z${sync++}`;
        client.send(`${syncTag} NOOP\r\n`);
        const replies = await readUntil(client, syncTag, `seed ${seed}, round ${round}, command ${JSON.stringify(fuzzed)}`);
        for (const reply of replies) {
          assert.match(reply, responseRe, `seed ${seed}: malformed reply ${JSON.stringify(reply)} to ${JSON.stringify(fuzzed)}`);
        }
      }
      client.close();
    }
    assert.deepEqual(errors, [], `seed ${seed}: unexpected server errors`);
  } finally {
    await harness.close();
  }
});

/**
 * Responses until the sync NOOP is answered (the session is alive and in step), or the server
 * closed the connection with BYE. A continuation request (a mutated command that waits for more)
 * is answered with "*" (cancels AUTHENTICATE, ends IDLE), then a new sync NOOP.
 */
async function readUntil(client: ImapLineClient, syncTag: string, where: string): Promise<string[]> {
  const out: string[] = [];
  let tag = syncTag;
  const deadline = Date.now() + 5000;
  for (;;) {
    const next = await client.next(deadline);
    if (next === null) {
      if (client.closed && out.some((r) => r.startsWith('* BYE'))) return out;
      throw new Error(`${where}: no answer to ${tag} (hang or crash); got ${JSON.stringify(out)}`);
    }
    out.push(next);
    if (next.startsWith(`${tag} `)) return out;
    if (next.startsWith('+')) {
      tag = `${syncTag}b`;
      client.send(`*\r\n${tag} NOOP\r\n`);
    }
  }
}
