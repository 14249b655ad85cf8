// Goal: stdin/stdout lines are cut exactly however the chunks fall, and an overlong line is skipped whole without buffering it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineSplitter } from './line-splitter.js';

test('LineSplitter: lines split across chunks come out whole; CRLF is accepted', () => {
  const splitter = new LineSplitter(64);
  assert.deepEqual(splitter.push('ren'), []);
  assert.deepEqual(splitter.push('ew\r\nrenew 12.5\nrel'), ['renew', 'renew 12.5']);
  assert.deepEqual(splitter.push('ease\n'), ['release']);
});

test('LineSplitter: a line over the limit is reported once and skipped to its end, across chunks', () => {
  const overlong: number[] = [];
  const splitter = new LineSplitter(8, (length) => overlong.push(length));
  assert.deepEqual(splitter.push('renew\n0123456789'), ['renew']);
  assert.deepEqual(splitter.push('abcdef'), []);
  assert.deepEqual(splitter.push('ghij\nrelease\n'), ['release']);
  assert.deepEqual(overlong, [10]);
});

test('LineSplitter: a complete overlong line inside one chunk is dropped, the next kept', () => {
  const overlong: number[] = [];
  const splitter = new LineSplitter(4, (length) => overlong.push(length));
  assert.deepEqual(splitter.push('garp\ntoolongline\ngarp\n'), ['garp', 'garp']);
  assert.deepEqual(overlong, [11]);
});
