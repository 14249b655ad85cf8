// Goal: THREAD ORDEREDSUBJECT and REFERENCES build the trees RFC 5256 §2-3 describe, including missing parents, loops and subject merging.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatThread } from '../wire/response-encoder.js';
import { threadOrderedSubject, threadReferences } from './thread-messages.js';
import type { ThreadInput } from './thread-messages.js';

function msg(id: number, fields: Partial<ThreadInput> = {}): ThreadInput {
  return {
    id, seq: id, dateMs: id * 1000, baseSubject: `s${id}`, isReplyOrForward: false, messageId: `<${id}@x>`,
    references: [], ...fields,
  };
}
const text = (threads: ReturnType<typeof threadReferences>): string => threads.map(formatThread).join('');

test('ORDEREDSUBJECT: threads by base subject, ordered by their first date; the first is the parent', () => {
  const threads = threadOrderedSubject([
    msg(1, { baseSubject: 'b', dateMs: 5 }), msg(2, { baseSubject: 'a', dateMs: 3 }),
    msg(3, { baseSubject: 'b', dateMs: 9 }), msg(4, { baseSubject: 'b', dateMs: 7 }),
  ]);
  assert.equal(text(threads), '(2)(1 (4)(3))');
});

test('REFERENCES: a chain follows References, In-Reply-To standing in when there are none', () => {
  const threads = threadReferences([
    msg(1), msg(2, { references: ['<1@x>'] }), msg(3, { references: ['<1@x>', '<2@x>'] }), msg(4, { references: ['<1@x>'] }),
  ]);
  assert.equal(text(threads), '(1 (2 3)(4))');
});

test('REFERENCES: a missing parent with one child disappears; with two it stays as an empty node', () => {
  assert.equal(text(threadReferences([msg(1, { references: ['<gone@x>'] })])), '(1)');
  assert.equal(text(threadReferences([msg(1, { references: ['<gone@x>'] }), msg(2, { references: ['<gone@x>'] })])), '((1)(2))');
});

test('REFERENCES: loops in References are not followed and duplicate Message-IDs get their own node', () => {
  const threads = threadReferences([
    msg(1, { references: ['<2@x>'] }), msg(2, { references: ['<1@x>'] }), msg(3, { messageId: '<1@x>' }),
  ]);
  assert.equal(text(threads), '(2 1)(3)');
});

test('REFERENCES: roots with the same base subject are gathered, replies under the original', () => {
  const threads = threadReferences([
    msg(1, { baseSubject: 'plans' }), msg(2, { baseSubject: 'plans', isReplyOrForward: true }),
    msg(3, { baseSubject: 'plans' }), msg(4, { baseSubject: 'other' }),
  ]);
  assert.equal(text(threads), '((1 2)(3))(4)');
});

test('REFERENCES: siblings are ordered by sent date, then sequence number', () => {
  const threads = threadReferences([
    msg(1, { dateMs: 100 }), msg(2, { references: ['<1@x>'], dateMs: 300 }), msg(3, { references: ['<1@x>'], dateMs: 200 }),
    msg(4, { references: ['<1@x>'], dateMs: 200 }),
  ]);
  assert.equal(text(threads), '(1 (3)(4)(2))');
});
