// Goal: the mail log gets a message's Message-ID as the header section states it (any case of the name, folded or not), never a field from the body or a lookalike name, and never more than the bounds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { limits } from '@tandem/config';
import { messageIdOf } from './message-id.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

test('the field is found whatever the case of its name, with white space around the value trimmed', () => {
  assert.equal(messageIdOf(b('From: a@x.test\r\nMessage-ID: <1.2@x.test>\r\n\r\nbody\r\n')), '<1.2@x.test>');
  assert.equal(messageIdOf(b('message-id:<3@x.test>  \r\nSubject: s\r\n\r\n')), '<3@x.test>');
  assert.equal(messageIdOf(b('Subject: s\nMESSAGE-ID : <4@x.test>\n\nbody\n')), '<4@x.test>');
});

test('a folded value is unfolded (RFC 5322 §2.2.3)', () => {
  assert.equal(messageIdOf(b('Message-ID:\r\n <5.long@x.test>\r\nSubject: s\r\n\r\n')), '<5.long@x.test>');
});

test('a field in the body, a lookalike name, or none at all gives nothing', () => {
  assert.equal(messageIdOf(b('Subject: s\r\n\r\nMessage-ID: <in-body@x.test>\r\n')), undefined);
  assert.equal(messageIdOf(b('X-Original-Message-ID: <other@x.test>\r\n\r\n')), undefined);
  assert.equal(messageIdOf(b('Subject: no id\r\n\r\nbody')), undefined);
  assert.equal(messageIdOf(b('Message-ID:   \r\n\r\n')), undefined);
  assert.equal(messageIdOf(b('')), undefined);
});

test('the value is cut to the logged length, and a field past the scanned part is not looked for', () => {
  const long = `<${'a'.repeat(1000)}@x.test>`;
  assert.equal(messageIdOf(b(`Message-ID: ${long}\r\n\r\n`)), long.slice(0, limits.mailLogMessageIdCharsMax));
  const padding = `X-Pad: ${'p'.repeat(limits.mailLogHeaderScanBytesMax)}\r\n`;
  assert.equal(messageIdOf(b(`${padding}Message-ID: <late@x.test>\r\n\r\n`)), undefined);
});

test('a view into a larger buffer is read from its own start', () => {
  const whole = b('Message-ID: <outer@x.test>\r\n\r\nSubject: s\r\nMessage-ID: <inner@x.test>\r\n\r\n');
  const start = whole.indexOf('Subject');
  assert.equal(messageIdOf(whole.subarray(start)), '<inner@x.test>');
});
