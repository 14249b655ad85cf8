// Goal: random and mutated input never makes the reader or parser throw anything but ImapParseError, loop, or lose framing (seed printed; IMAP_FUZZ_SEED=n replays one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandReader } from './command-reader.js';
import { parseCommand } from './parse-command.js';
import { ImapParseError } from './parse-error.js';
import { mulberry32 } from '@tandem/testkit';


const seeds = process.env.IMAP_FUZZ_SEED ? [Number(process.env.IMAP_FUZZ_SEED)] : [1, 2, 3, 42, 20240101];

const samples = [
  'a1 LOGIN {3}\r\njoe {6+}\r\nsecret',
  'a2 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541 (1:3 4:6)))',
  'a3 UID FETCH 1:*,7 (FLAGS BODY.PEEK[1.2.HEADER.FIELDS.NOT (X-Foo "Bar")]<5.10> BINARY[1]<0.9> BINARY.SIZE[2] MODSEQ) (CHANGEDSINCE 5 VANISHED)',
  'a4 SEARCH RETURN (MIN COUNT) CHARSET UTF-8 OR (FROM "x" NOT SEEN) UID 1:5 HEADER X-A {3}\r\nabc SINCE 1-Feb-2024 MODSEQ "/flags/\\\\draft" all 5 $',
  'a5 APPEND INBOX (\\Seen $Work) " 7-Feb-1994 21:52:25 -0800" {5}\r\nHello ~{2+}\r\nx\0 UTF8 (~{3}\r\nabc)',
  'a6 LIST (SUBSCRIBED RECURSIVEMATCH) "" ("INBOX" %) RETURN (CHILDREN STATUS (MESSAGES UNSEEN) SPECIAL-USE)',
  'a7 UID STORE 1:* (UNCHANGEDSINCE 9) -FLAGS.SILENT (\\Deleted $Junk)',
  'a8 SORT (REVERSE DATE SUBJECT) UTF-8 ALL',
  'a9 THREAD REFERENCES UTF-8 SINCE 1-Feb-1994',
  'b1 ID ("name" "x" "version" NIL)',
  'b2 CREATE x (USE (\\Drafts))',
  'b3 STATUS INBOX (MESSAGES UIDNEXT HIGHESTMODSEQ SIZE)',
  'b4 SETQUOTA "" (STORAGE 512)',
  'b5 AUTHENTICATE PLAIN AGZvbwBiYXI=',
  'b6 UID EXPUNGE 1:3',
  'b7 ENABLE QRESYNC UTF8=ACCEPT',
];

const alphabet = ' ()[]{}<>"\\*%$+-~.:,;0123456789\r\n\0\x7f\xff\xc3ABCFHINOSTUXabcdefghz';

function mutate(rand: () => number, input: Buffer): Buffer {
  const bytes = Array.from(input);
  const edits = 1 + Math.floor(rand() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rand() * (bytes.length + 1));
    const kind = Math.floor(rand() * 6);
    const ch = alphabet.charCodeAt(Math.floor(rand() * alphabet.length)) & 0xff;
    if (kind === 0) bytes.splice(at, 1);
    else if (kind === 1) bytes.splice(at, 0, ch);
    else if (kind === 2 && at < bytes.length) bytes[at] = ch;
    else if (kind === 3) bytes.length = at; // truncate
    else if (kind === 4) {
      const from = Math.floor(rand() * bytes.length);
      bytes.splice(at, 0, ...bytes.slice(from, from + Math.floor(rand() * 20)));
    } else bytes.splice(at, 0, ...Buffer.from(`{${Math.floor(rand() * 12)}${rand() < 0.5 ? '+' : ''}}\r\n`));
  }
  return Buffer.from(bytes);
}

function randomBytes(rand: () => number): Buffer {
  const n = Math.floor(rand() * 80);
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = rand() < 0.8 ? alphabet.charCodeAt(Math.floor(rand() * alphabet.length)) & 0xff : Math.floor(rand() * 256);
  return out;
}

/** Parses and checks the only allowed failure; returns the ms spent. */
function parseChecked(bytes: Buffer, seed: number): number {
  const start = performance.now();
  try {
    parseCommand(bytes, { utf8: bytes.length % 2 === 0 });
  } catch (err) {
    assert.ok(err instanceof ImapParseError, `seed ${seed}: ${JSON.stringify(bytes.toString('latin1'))} threw ${String(err)}`);
    assert.ok(err.reason.length > 0 && !/[\r\n]/.test(err.reason), `seed ${seed}: reason must be one line`);
  }
  return performance.now() - start;
}

test('parser: random and mutated commands fail only with ImapParseError, quickly', { timeout: 60_000 }, () => {
  for (const seed of seeds) {
    const rand = mulberry32(seed);
    let slowest = 0;
    for (let i = 0; i < 4000; i++) {
      const base = Buffer.from(samples[Math.floor(rand() * samples.length)]!, 'latin1');
      const input = rand() < 0.15 ? randomBytes(rand) : mutate(rand, base);
      slowest = Math.max(slowest, parseChecked(input, seed));
    }
    assert.ok(slowest < 250, `seed ${seed}: one parse took ${slowest.toFixed(1)} ms`);
  }
});

test('parser: every unmutated sample parses', () => {
  for (const sample of samples) assert.doesNotThrow(() => parseCommand(Buffer.from(sample, 'latin1')), sample);
});

test('parser: deep nesting and huge inputs are bounded', { timeout: 30_000 }, () => {
  const deep = Buffer.from(`a SEARCH ${'('.repeat(5000)}ALL${')'.repeat(5000)}`);
  assert.equal(parseError(deep)?.reason, 'Nested too deeply');
  const orChain = Buffer.from(`a SEARCH ${'OR ALL '.repeat(5000)}ALL`);
  assert.equal(parseError(orChain)?.reason, 'Nested too deeply');
  const manyKeys = Buffer.from(`a SEARCH ${'SEEN '.repeat(20000)}ALL`);
  assert.equal(parseError(manyKeys), null);
});

function parseError(bytes: Buffer): ImapParseError | null {
  try {
    parseCommand(bytes);
    return null;
  } catch (err) {
    assert.ok(err instanceof ImapParseError);
    return err;
  }
}

test('reader + parser: mutated streams in random chunks always drain, and every event is well-formed', { timeout: 60_000 }, () => {
  for (const seed of seeds) {
    const rand = mulberry32(seed ^ 0x5eed);
    for (let round = 0; round < 300; round++) {
      const reader = new CommandReader({ lineBytesMax: 200, literalBytesMax: 64, commandBytesMax: 256, literalsMax: 4 });
      const pieces: Buffer[] = [];
      for (let k = 0; k < 6; k++) {
        const base = Buffer.from(`${samples[Math.floor(rand() * samples.length)]}\r\n`, 'latin1');
        pieces.push(rand() < 0.5 ? base : mutate(rand, base));
      }
      pieces.push(Buffer.from('zz NOOP\r\n'));
      const stream = Buffer.concat(pieces);
      let events = 0;
      for (let i = 0; i < stream.length;) {
        const n = 1 + Math.floor(rand() * 40);
        reader.push(stream.subarray(i, i + n));
        i += n;
        for (let e = reader.next(); e !== null; e = reader.next()) {
          assert.ok(++events < 10_000, `seed ${seed}: too many events`);
          if (e.type === 'command') parseChecked(e.bytes, seed);
          else if (e.type === 'error') assert.ok(e.error instanceof ImapParseError);
          else assert.ok(e.literalBytes >= 0 && e.literalBytes <= 64, `seed ${seed}: continuation for an oversized literal`);
        }
      }
      // Whatever came before, the reader holds no more than the unfinished tail.
      assert.ok(reader.bufferedBytes <= stream.length, `seed ${seed}: buffered more than was sent`);
    }
  }
});

test('reader: a well-formed stream after garbage is framed again once the garbage command ends', () => {
  const reader = new CommandReader({ lineBytesMax: 50 });
  reader.push(Buffer.from(`x1 ${'Z'.repeat(500)}\r\n\0\0\0\r\na1 NOOP\r\n`));
  const got: string[] = [];
  for (let e = reader.next(); e !== null; e = reader.next()) {
    got.push(e.type === 'command' ? e.bytes.toString('latin1') : e.type);
  }
  assert.deepEqual(got, ['error', '\0\0\0', 'a1 NOOP']);
});
