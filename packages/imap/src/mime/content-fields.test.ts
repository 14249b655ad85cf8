// Goal: Content-Type/Disposition/Language/Transfer-Encoding parse like deployed servers, with RFC 2231 pieces joined.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseContentDisposition, parseContentLanguage, parseContentType, parseTransferEncoding } from './content-fields.js';

test('type, subtype and parameters as written; quoted values unescaped and unfolded', () => {
  assert.deepEqual(parseContentType('TEXT/Plain; charset="us-ascii"; format=flowed'), {
    type: 'TEXT', subtype: 'Plain', params: [{ name: 'charset', value: 'us-ascii' }, { name: 'format', value: 'flowed' }],
  });
  assert.deepEqual(parseContentType('multipart/mixed;\r\n\tboundary="a \\"b\\"\r\n c"'), {
    type: 'multipart', subtype: 'mixed', params: [{ name: 'boundary', value: 'a "b" c' }],
  });
  assert.deepEqual(parseContentType('text / html (comment) ; charset = utf-8'), {
    type: 'text', subtype: 'html', params: [{ name: 'charset', value: 'utf-8' }],
  });
});

test('invalid types are null (RFC 2045 §5.2 default applies)', () => {
  assert.equal(parseContentType('application-x-gzip; name="x.gz"'), null);
  assert.equal(parseContentType('text'), null);
  assert.equal(parseContentType('text/'), null);
  assert.equal(parseContentType(''), null);
});

test('broken parameters are skipped, the rest kept', () => {
  assert.deepEqual(parseContentType('text/plain; junk; charset=utf-8;; name==?utf-8?b?eA==?= x'), {
    type: 'text', subtype: 'plain', params: [{ name: 'charset', value: 'utf-8' }, { name: 'name', value: '=?utf-8?b?eA==?=' }],
  });
});

test('RFC 2231: continuations joined, extended values kept encoded under "name*", after the plain ones', () => {
  assert.deepEqual(parseContentDisposition("attachment; filename*0*=utf-8''nyan%20cat; filename*1*=%E2%9C%94.gif; size=5"), {
    disposition: 'attachment', params: [{ name: 'size', value: '5' }, { name: 'filename*', value: "utf-8''nyan%20cat%E2%9C%94.gif" }],
  });
  assert.deepEqual(parseContentType('text/plain; name*1="b.txt"; name*0="a"')?.params, [{ name: 'name', value: 'ab.txt' }]);
  assert.deepEqual(parseContentType("text/plain; title*0*=us-ascii'en'50%25; title*1=%off")?.params,
    [{ name: 'title*', value: "us-ascii'en'50%25%25off" }]);
  assert.deepEqual(parseContentType('text/plain; x*0=a; x*2=c')?.params, [{ name: 'x*0', value: 'a' }, { name: 'x*2', value: 'c' }]);
  assert.deepEqual(parseContentType('text/plain; x*y=1')?.params, [{ name: 'x*y', value: '1' }]);
});

test('disposition, language, transfer encoding', () => {
  assert.deepEqual(parseContentDisposition('inline'), { disposition: 'inline', params: [] });
  assert.deepEqual(parseContentLanguage('it-IT'), ['it-IT']);
  assert.deepEqual(parseContentLanguage('en, de (German)'), ['en', 'de']);
  assert.deepEqual(parseContentLanguage(''), []);
  assert.equal(parseTransferEncoding(' Base64 '), 'Base64');
  assert.equal(parseTransferEncoding('7bit (comment)'), '7bit');
  assert.equal(parseTransferEncoding('8bit x'), null);
  assert.equal(parseTransferEncoding(''), null);
});
