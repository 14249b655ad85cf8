// Goal: RFC 5256 §2.1 base subject extraction, including the reply/forward marker THREAD needs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseSubject } from './base-subject.js';

const cases: Array<[string, string, boolean]> = [
  ['Hello', 'Hello', false],
  ['Re: Hello', 'Hello', true],
  ['RE:  Re: re:Hello', 'Hello', true],
  ['Fwd: Hello', 'Hello', true],
  ['FW: Hello', 'Hello', true],
  ['Re[2]: Hello', 'Hello', true],
  ['Re [2]: Hello', 'Hello', true],
  ['[list] Re: Hello', 'Hello', true],
  ['Re: [list] Re: Hello', 'Hello', true],
  ['[list] Hello', 'Hello', false],
  ['[only a blob]', '[only a blob]', false],
  ['Hello (fwd)', 'Hello', true],
  ['Hello (Fwd) (fwd)  ', 'Hello', true],
  ['[Fwd: Hello]', 'Hello', true],
  ['[fwd: Re: Hello]', 'Hello', true],
  ['Hello\t\r\n  world', 'Hello world', false],
  ['Regarding this', 'Regarding this', false],
  ['Re:', '', true],
  ['', '', false],
  ['   ', '', false],
  ['Re: Fwd: [a] [b] Hello', 'Hello', true],
];

for (const [subject, base, replyOrForward] of cases) {
  test(`base subject of ${JSON.stringify(subject)}`, () => {
    assert.deepEqual(baseSubject(subject), { baseSubject: base, isReplyOrForward: replyOrForward });
  });
}

test('hostile subjects stay fast', () => {
  const start = performance.now();
  baseSubject('['.repeat(20_000));
  baseSubject('Re: '.repeat(20_000));
  baseSubject('[a]'.repeat(20_000));
  assert.ok(performance.now() - start < 2000);
});
