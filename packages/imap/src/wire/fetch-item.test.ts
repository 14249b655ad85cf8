// Goal: FETCH response item names drop .PEEK and the partial length (RFC 9051 §7.5.2), and only the right items set \Seen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fetchItemResponseName, fetchItemSetsSeen } from './fetch-item.js';
import type { FetchItem } from './fetch-item.js';
import { parseCommand } from './parse-command.js';

function items(text: string): readonly FetchItem[] {
  const cmd = parseCommand(Buffer.from(`a FETCH 1 (${text})`));
  assert.ok(cmd.name === 'FETCH');
  return cmd.items;
}

test('response names', () => {
  assert.deepEqual(items('BODY.PEEK[HEADER.FIELDS (From "X Y")]<10.20> BODY[1.2.MIME] BINARY.PEEK[1]<0.5> BINARY.SIZE[3] RFC822.SIZE BODY[]')
    .map(fetchItemResponseName), [
    'BODY[HEADER.FIELDS (From "X Y")]<10>', 'BODY[1.2.MIME]', 'BINARY[1]<0>', 'BINARY.SIZE[3]', 'RFC822.SIZE', 'BODY[]',
  ]);
});

test('\\Seen is set by BODY[], BINARY[], RFC822 and RFC822.TEXT, not by PEEK, headers or metadata', () => {
  assert.deepEqual(items('BODY[] BODY.PEEK[] BINARY[1] BINARY.PEEK[1] RFC822 RFC822.TEXT RFC822.HEADER BODY FLAGS BINARY.SIZE[1]')
    .map(fetchItemSetsSeen), [true, false, true, false, true, true, false, false, false, false]);
});
