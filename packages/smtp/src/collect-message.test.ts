// Goal: DATA is buffered exactly, and over-size, over-long lines and a vanished client all end in a typed error with nothing kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { collectMessage } from './collect-message.js';
import { MemoryBudget } from './memory-budget.js';
import { ClientGoneError, DataLineTooLongError, IntakeBusyError, MessageTooBigError } from './smtp-errors.js';

function feed(chunks: Array<string | Buffer>): PassThrough {
  const stream = new PassThrough();
  setImmediate(() => {
    for (const chunk of chunks) stream.write(chunk);
    stream.end();
  });
  return stream;
}

test('chunks are joined byte for byte', async () => {
  const bytes = await collectMessage(feed(['Subject: a\r\n', '\r\nbody é\r\n']), { sizeBytesMax: 100, lineBytesMax: 20, budget: new MemoryBudget(1000) });
  assert.deepEqual(bytes, Buffer.from('Subject: a\r\n\r\nbody é\r\n'));
});

test('exactly sizeBytesMax is accepted, one byte more is MessageTooBigError', async () => {
  assert.equal((await collectMessage(feed(['x'.repeat(8), '\r\n']), { sizeBytesMax: 10, lineBytesMax: 100, budget: new MemoryBudget(1000) })).length, 10);
  await assert.rejects(collectMessage(feed(['x'.repeat(9), '\r\n']), { sizeBytesMax: 10, lineBytesMax: 100, budget: new MemoryBudget(1000) }), MessageTooBigError);
});

test('a line of lineBytesMax is accepted even split over chunks; one byte more is DataLineTooLongError', async () => {
  const ok = await collectMessage(feed(['a\r\n', 'x'.repeat(6), 'x'.repeat(4), '\r', '\nb\r\n']), { sizeBytesMax: 100, lineBytesMax: 10, budget: new MemoryBudget(1000) });
  assert.equal(ok.toString(), `a\r\n${'x'.repeat(10)}\r\nb\r\n`);
  await assert.rejects(collectMessage(feed(['x'.repeat(6), 'x'.repeat(5), '\r\n']), { sizeBytesMax: 100, lineBytesMax: 10, budget: new MemoryBudget(1000) }), DataLineTooLongError);
  await assert.rejects(collectMessage(feed(['x'.repeat(12)]), { sizeBytesMax: 100, lineBytesMax: 10, budget: new MemoryBudget(1000) }), DataLineTooLongError);
});

test('a stream destroyed before its end is ClientGoneError', async () => {
  const stream = new PassThrough();
  const pending = collectMessage(stream, { sizeBytesMax: 100, lineBytesMax: 100, budget: new MemoryBudget(1000) });
  stream.write('partial');
  stream.destroy();
  await assert.rejects(pending, ClientGoneError);
});

test('bytes are reserved from the shared budget; over it is IntakeBusyError and the reservation is returned', async () => {
  const budget = new MemoryBudget(20);
  const first = await collectMessage(feed(['0123456789', '\r\n']), { sizeBytesMax: 100, lineBytesMax: 100, budget });
  assert.equal(budget.reservedBytes, first.length, 'the caller owns the reservation of a collected message');
  await assert.rejects(collectMessage(feed(['abcdef', 'ghij\r\n']), { sizeBytesMax: 100, lineBytesMax: 100, budget }), IntakeBusyError);
  assert.equal(budget.reservedBytes, first.length, 'a refused message holds nothing');
  const gone = new PassThrough();
  const pending = collectMessage(gone, { sizeBytesMax: 100, lineBytesMax: 100, budget });
  gone.write('abc');
  gone.destroy();
  await assert.rejects(pending, ClientGoneError);
  assert.equal(budget.reservedBytes, first.length, 'a vanished client holds nothing');
  budget.release(first.length);
  assert.equal(budget.reservedBytes, 0);
});
