// Goal: the package's public face exposes the protocol layer end to end (frame, parse, build, encode).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as imap from './index.js';

test('frame -> parse -> MIME -> encode through the public API', () => {
  const reader = new imap.CommandReader();
  reader.push(Buffer.from('a1 UID FETCH 1 (ENVELOPE BODY.PEEK[TEXT]<0.5>)\r\n'));
  const event = reader.next();
  assert.ok(event && event.type === 'command');
  const cmd = imap.parseCommand(event.bytes);
  assert.ok(cmd.name === 'FETCH' && cmd.set.kind === 'uid');
  const message = Buffer.from('Subject: hello\r\nFrom: a@b\r\n\r\nbody text\r\n');
  const root = imap.parseMimeMessage(message);
  const out = new imap.ResponseWriter();
  const values: Array<[string, imap.ImapValue]> = [['UID', 1]];
  for (const item of cmd.items) {
    if (item.item === 'ENVELOPE') values.push([imap.fetchItemResponseName(item), imap.buildEnvelope(message, root.header)]);
    if (item.item === 'BODY[]') {
      const bytes = imap.applyPartial(imap.sectionBytes(message, root, item.section)!, item.partial);
      values.push([imap.fetchItemResponseName(item), bytes]);
    }
  }
  imap.writeFetch(out, 1, values);
  imap.writeTagged(out, cmd.tag, 'OK', 'FETCH completed');
  assert.equal(out.toString(), '* 1 FETCH (UID 1 ENVELOPE (NIL "hello" ((NIL NIL "a" "b")) ((NIL NIL "a" "b")) ((NIL NIL "a" "b")) NIL NIL NIL NIL NIL) '
    + 'BODY[TEXT]<0> "body ")\r\na1 OK FETCH completed\r\n');
});
