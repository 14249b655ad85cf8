// Goal: the golden-transcript format parses as documented and responses split and match as on the wire (literals included).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectedResponses, parseTranscript, responseMatches, splitResponses } from './transcript-script.js';

test('steps: client runs, expected lines, directives', () => {
  const steps = parseTranscript([
    '# comment', '@connect C1', '* OK hi', 'C1: a1 NOOP', 'C1: a2 NOOP', 'a1 OK done', 'a2 OK done',
    '@deliver Sent', 'Subject: x', '', 'body', '@end', '@expect C1', '* 1 EXISTS', '@closed C1',
  ].join('\n'));
  assert.deepEqual(steps.map((s) => s.kind), ['connect', 'send', 'deliver', 'expect', 'closed']);
  assert.deepEqual(steps[1], { kind: 'send', line: 4, conn: 'C1', lines: ['a1 NOOP', 'a2 NOOP'], expected: ['a1 OK done', 'a2 OK done'] });
  assert.deepEqual(steps[2], { kind: 'deliver', line: 8, mailbox: 'Sent', user: null, message: 'Subject: x\r\n\r\nbody\r\n' });
});

test('responses split at line ends outside literals', () => {
  const wire = Buffer.from('* 1 FETCH (BODY[] {5}\r\na\r\nb) FLAGS ())\r\na1 OK x\r\n* partial');
  const { responses, rest } = splitResponses(wire);
  assert.deepEqual(responses.map((r) => r.toString()), ['* 1 FETCH (BODY[] {5}\r\na\r\nb) FLAGS ())\r\n', 'a1 OK x\r\n']);
  assert.equal(rest.toString(), '* partial');
  assert.deepEqual(expectedResponses(['* 1 FETCH (BODY[] {5}', 'a', 'b) FLAGS ())', 'a1 OK x']), ['* 1 FETCH (BODY[] {5}\r\na\r\nb) FLAGS ())\r\n', 'a1 OK x\r\n']);
});

test('"{*}" matches any run within a line, nothing else is loose', () => {
  assert.equal(responseMatches('a1 OK [CAPABILITY {*}] Logged in\r\n', 'a1 OK [CAPABILITY IMAP4rev1 X] Logged in\r\n'), true);
  assert.equal(responseMatches('a1 OK [CAPABILITY {*}] Logged in\r\n', 'a1 OK [CAPABILITY X] Logged out\r\n'), false);
  assert.equal(responseMatches('a1 OK\r\n', 'a1 OK \r\n'), false);
});
