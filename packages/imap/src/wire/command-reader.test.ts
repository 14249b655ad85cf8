// Goal: the reader frames commands with literals across any chunking, asks for continuation exactly for synchronising literals, and recovers after every limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandReader, literalMarkerAt } from './command-reader.js';
import type { ReaderEvent } from './command-reader.js';

/** Feeds `input` in chunks of `chunkBytes` and returns every event, as readable strings. */
function run(reader: CommandReader, input: string | Buffer, chunkBytes = Infinity): string[] {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
  const events: string[] = [];
  const drain = (): void => {
    for (let e = reader.next(); e !== null; e = reader.next()) events.push(describe(e));
  };
  for (let i = 0; i < bytes.length; i += Math.min(chunkBytes, bytes.length)) {
    reader.push(bytes.subarray(i, Math.min(i + chunkBytes, bytes.length)));
    drain();
  }
  return events;
}

function describe(e: ReaderEvent): string {
  if (e.type === 'command') return `command ${JSON.stringify(e.bytes.toString('latin1'))}`;
  if (e.type === 'continue') return `continue ${e.tag} ${e.literalBytes}`;
  const err = e.error;
  return `error ${err.tag} ${err.status}${err.code ? ` [${err.code}]` : ''} ${err.reason}${err.fatal ? ' FATAL' : ''}`;
}

test('literalMarkerAt reads {n}, {n+}, ~{n} and rejects the rest', () => {
  const at = (s: string) => literalMarkerAt(Buffer.from(s), s.length);
  assert.deepEqual(at('a LOGIN {5}'), { size: 5, synchronising: true, unreadable: false });
  assert.deepEqual(at('a APPEND x ~{12+}'), { size: 12, synchronising: false, unreadable: false });
  assert.equal(at('a LOGIN {}'), null);
  assert.equal(at('a LOGIN {5'), null);
  assert.equal(at('a LOGIN 5}'), null);
  assert.equal(at('a LOGIN {+}'), null);
  assert.deepEqual(at('a {9999999999999999}'), { size: 0, synchronising: true, unreadable: true });
});

test('plain commands, pipelined, CRLF or bare LF, empty lines skipped', () => {
  const reader = new CommandReader();
  assert.deepEqual(run(reader, 'a1 NOOP\r\n\r\na2 CAPABILITY\na3 LOGOUT\r\n'), [
    'command "a1 NOOP"', 'command "a2 CAPABILITY"', 'command "a3 LOGOUT"',
  ]);
  assert.equal(reader.inCommand, false);
  assert.equal(reader.bufferedBytes, 0);
});

test('a synchronising literal asks for continuation before its data; non-synchronising ones do not', () => {
  const reader = new CommandReader();
  assert.deepEqual(run(reader, 'a1 LOGIN {3}\r\n'), ['continue a1 3']);
  assert.equal(reader.inCommand, true);
  assert.deepEqual(run(reader, 'joe {6+}\r\nsecret\r\n'), ['command "a1 LOGIN {3}\\r\\njoe {6+}\\r\\nsecret"']);
  assert.deepEqual(run(new CommandReader(), 'a2 APPEND INBOX ~{3+}\r\na\0b\r\n'), ['command "a2 APPEND INBOX ~{3+}\\r\\na\\u0000b"']);
});

test('framing is the same for every chunk size (1 byte up)', () => {
  const input = 'a1 LOGIN {3}\r\njoe {6+}\r\nsecret\r\na2 APPEND x (\\Seen) {10}\r\n0123456789 {2+}\r\nab\r\na3 NOOP\r\n';
  const whole = run(new CommandReader(), input);
  assert.deepEqual(whole, [
    'continue a1 3', 'command "a1 LOGIN {3}\\r\\njoe {6+}\\r\\nsecret"',
    'continue a2 10', 'command "a2 APPEND x (\\\\Seen) {10}\\r\\n0123456789 {2+}\\r\\nab"', 'command "a3 NOOP"',
  ]);
  for (const chunk of [1, 2, 3, 5, 7, 13]) assert.deepEqual(run(new CommandReader(), input, chunk), whole, `chunk ${chunk}`);
});

test('a literal line ending in bare LF is normalised to CRLF for the parser', () => {
  assert.deepEqual(run(new CommandReader(), 'a1 LOGIN {3+}\njoe x\n'), ['command "a1 LOGIN {3+}\\r\\njoe x"']);
});

test('refusing a synchronising literal drops the command; the next one is read normally', () => {
  const reader = new CommandReader();
  assert.deepEqual(run(reader, 'a1 APPEND INBOX {100}\r\n'), ['continue a1 100']);
  reader.discardCommand(); // the session answered "a1 NO [TOOBIG]" instead of "+"
  assert.deepEqual(run(reader, 'a2 NOOP\r\n'), ['command "a2 NOOP"']);
});

test('line too long: BAD with the tag, the rest of the line is skipped, reading goes on', () => {
  const reader = new CommandReader({ lineBytesMax: 20 });
  const events = run(reader, `a1 SEARCH ${'X'.repeat(50)}\r\na2 NOOP\r\n`, 8);
  assert.deepEqual(events, ['error a1 BAD Line too long', 'command "a2 NOOP"']);
  assert.deepEqual(run(new CommandReader({ lineBytesMax: 20 }), `a1 SEARCH ${'X'.repeat(50)}\r\na2 NOOP\r\n`), [
    'error a1 BAD Line too long', 'command "a2 NOOP"',
  ]);
});

test('line too long ending in a non-synchronising literal: the literal is skipped too', () => {
  const reader = new CommandReader({ lineBytesMax: 20 });
  const events = run(reader, `a1 APPEND ${'X'.repeat(40)} {5+}\r\nhello more {2+}\r\nxy\r\na2 NOOP\r\n`, 4);
  assert.deepEqual(events, ['error a1 BAD Line too long', 'command "a2 NOOP"']);
});

test('literal too large: synchronising is refused before "+", non-synchronising is skipped', () => {
  const sync = new CommandReader({ literalBytesMax: 10 });
  assert.deepEqual(run(sync, 'a1 APPEND INBOX {11}\r\na2 NOOP\r\n'), [
    'error a1 NO [TOOBIG] Literal too large (at most 10 octets)', 'command "a2 NOOP"',
  ]);
  const nonSync = new CommandReader({ literalBytesMax: 10 });
  assert.deepEqual(run(nonSync, 'a1 APPEND INBOX {11+}\r\n01234567890\r\na2 NOOP\r\n', 3), [
    'error a1 BAD [TOOBIG] Literal too large (at most 10 octets)', 'command "a2 NOOP"',
  ]);
});

test('LITERAL- (RFC 7888 §4): a non-synchronising literal over 4096 octets gets [TOOBIG] and is skipped', () => {
  const reader = new CommandReader({ nonSyncLiteralBytesMax: 4096 });
  const big = 'x'.repeat(5000);
  assert.deepEqual(run(reader, `a1 APPEND INBOX {5000+}\r\n${big}\r\na2 NOOP\r\n`, 1000), [
    'error a1 BAD [TOOBIG] Non-synchronizing literal too large (at most 4096 octets)', 'command "a2 NOOP"',
  ]);
  assert.deepEqual(run(new CommandReader({ nonSyncLiteralBytesMax: 4096 }), 'a1 APPEND INBOX {5000}\r\n'), ['continue a1 5000']);
});

test('the command size limit counts all literals (MULTIAPPEND)', () => {
  const reader = new CommandReader({ commandBytesMax: 40 });
  assert.deepEqual(run(reader, 'a1 APPEND x {10+}\r\n0123456789 {10+}\r\n0123456789 {10+}\r\n0123456789\r\na2 NOOP\r\n'), [
    'error a1 BAD [TOOBIG] Command too large (at most 40 octets)', 'command "a2 NOOP"',
  ]);
});

test('too many literals in one command', () => {
  const reader = new CommandReader({ literalsMax: 2 });
  assert.deepEqual(run(reader, 'a1 APPEND x {1+}\r\na {1+}\r\nb {1+}\r\nc\r\na2 NOOP\r\n'), [
    'error a1 BAD Too many literals in one command', 'command "a2 NOOP"',
  ]);
});

test('an unreadable non-synchronising literal size is fatal; a synchronising one is not', () => {
  assert.deepEqual(run(new CommandReader(), 'a1 APPEND x {99999999999999999+}\r\n'), [
    'error a1 BAD [TOOBIG] Literal size too large FATAL',
  ]);
  assert.deepEqual(run(new CommandReader(), 'a1 APPEND x {99999999999999999}\r\na2 NOOP\r\n'), [
    'error a1 BAD [TOOBIG] Literal size too large', 'command "a2 NOOP"',
  ]);
});

test('nextLine() reads raw lines for AUTHENTICATE and IDLE, then commands go on', () => {
  const reader = new CommandReader({ lineBytesMax: 24 });
  reader.push(Buffer.from('a1 AUTHENTICATE PLAIN\r\nAGpvZQBzZWNyZXQ=\r\na2 IDLE\r\nDONE\r\na3 NOOP\r\n'));
  assert.equal(describe(reader.next()!), 'command "a1 AUTHENTICATE PLAIN"');
  assert.deepEqual(reader.nextLine(), { type: 'line', line: Buffer.from('AGpvZQBzZWNyZXQ=') });
  assert.equal(describe(reader.next()!), 'command "a2 IDLE"');
  assert.deepEqual(reader.nextLine(), { type: 'line', line: Buffer.from('DONE') });
  assert.equal(describe(reader.next()!), 'command "a3 NOOP"');
  assert.equal(reader.nextLine(), null);
  reader.push(Buffer.from('x'.repeat(40)));
  const long = reader.nextLine();
  assert.ok(long && long.type === 'error');
  assert.equal(long.error.reason, 'Line too long');
  reader.push(Buffer.from('yyy\r\na4 NOOP\r\n'));
  assert.equal(describe(reader.next()!), 'command "a4 NOOP"');
  // After a too-long SASL line the session may keep reading lines: the rest of it is dropped first.
  reader.push(Buffer.from('z'.repeat(40)));
  assert.equal(reader.nextLine()?.type, 'error');
  reader.push(Buffer.from('zzz\r\n*\r\n'));
  assert.deepEqual(reader.nextLine(), { type: 'line', line: Buffer.from('*') });
});

test('nextLine() inside a command is a programming error', () => {
  const reader = new CommandReader();
  reader.push(Buffer.from('a1 LOGIN {3}\r\n'));
  reader.next();
  assert.throws(() => reader.nextLine(), /inside a command/);
});
