// Goal: only our leading Return-Path (folded or not) is cut from mail that leaves; every other byte stays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stripLeadingReturnPath } from './strip-return-path.js';

const rest = 'Received: from a\r\n\tby b; date\r\nSubject: x\r\nReturn-Path: <kept@x>\r\n\r\nbody\r\n';

test('a leading Return-Path, plain or folded, any case, is cut', () => {
  assert.equal(stripLeadingReturnPath(Buffer.from(`Return-Path: <demo@example.test>\r\n${rest}`)).toString(), rest);
  assert.equal(stripLeadingReturnPath(Buffer.from(`return-path:\r\n <demo@example.test>\r\n${rest}`)).toString(), rest);
  assert.equal(stripLeadingReturnPath(Buffer.from('Return-Path: <>\r\n\r\nbody\r\n')).toString(), '\r\nbody\r\n');
});

test('anything else is left as it is, byte for byte', () => {
  for (const text of [rest, `X-Return-Path: <a@b>\r\n${rest}`, 'Return-Path: <no line end>', '']) {
    const bytes = Buffer.from(text);
    assert.equal(stripLeadingReturnPath(bytes), bytes);
  }
});
