// Goal: under either link protection a frame is accepted only as sent, in its place in the stream, under the session key; encrypted bodies never show on the wire, authenticated ones are not rewritten.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { AuthenticationError, WireFormatError } from './errors.js';
import { FrameReader } from './frame-reader.js';
import { FrameKind, linkProtections, SecureConnection, type LinkProtection } from './secure-connection.js';

/** A socket that only records what is written to it (send() corks, writes and uncorks). */
function recordingSocket(): { socket: Socket; written: () => Buffer } {
  const chunks: Buffer[] = [];
  const socket = { cork: () => undefined, uncork: () => undefined, write: (b: Uint8Array) => chunks.push(Buffer.from(b)) };
  return { socket: socket as unknown as Socket, written: () => Buffer.concat(chunks.splice(0)) };
}

/** One direction of a connection: `send` protects with the key that `open` (and any `receiver()`) checks with. */
function link(protection: LinkProtection, sendKey = randomBytes(32), receiveKey = sendKey, receiverProtection = protection): {
  send: SecureConnection; open: SecureConnection; receiver: () => SecureConnection; wire: () => Buffer[]; raw: () => Buffer;
} {
  const out = recordingSocket();
  const send = new SecureConnection(out.socket, new FrameReader(1 << 24), sendKey, randomBytes(32), 'b', protection);
  const receiver = (): SecureConnection =>
    new SecureConnection(recordingSocket().socket, new FrameReader(1 << 24), randomBytes(32), receiveKey, 'a', receiverProtection);
  const reader = new FrameReader(1 << 24);
  return { send, open: receiver(), receiver, wire: () => reader.push(out.written()), raw: () => out.written() };
}

for (const protection of linkProtections) {
  test(`${protection}: a frame opens to its kind and body; the frame is length, kind, body and a 16-byte tag`, () => {
    const { send, open, wire } = link(protection);
    const big = randomBytes(64 * 1024);
    send.send(FrameKind.messages, [Buffer.from('head'), big, Buffer.from('tail')]);
    const [frame] = wire();
    const got = open.openFrame(frame!);
    assert.equal(got.kind, FrameKind.messages);
    assert.deepEqual(got.body, Buffer.concat([Buffer.from('head'), big, Buffer.from('tail')]));
    assert.equal(frame!.length, 1 + 4 + big.length + 4 + 16, 'kind, body and a 16-byte tag');
    send.send(FrameKind.ping, []);
    assert.deepEqual(open.openFrame(wire()[0]!), { kind: FrameKind.ping, body: Buffer.alloc(0) });
    // Many small parts (gathered into runs) and several large ones, in order.
    const parts = [randomBytes(3), randomBytes(20_000), randomBytes(10), randomBytes(5), randomBytes(16 * 1024), randomBytes(1)];
    send.send(FrameKind.snapshotChunk, parts);
    assert.deepEqual(open.openFrame(wire()[0]!).body, Buffer.concat(parts));
  });

  test(`${protection}: flipping any single bit of a frame (kind, body or tag) makes it fail its check`, () => {
    const body = randomBytes(40);
    for (let bit = 0; bit < (1 + body.length + 16) * 8; bit++) {
      const { send, open, wire } = link(protection);
      send.send(FrameKind.messages, [body]);
      const frame = wire()[0]!;
      frame[bit >> 3] = frame[bit >> 3]! ^ (1 << (bit & 7));
      assert.throws(() => open.openFrame(frame), AuthenticationError, `bit ${bit}`);
    }
  });

  test(`${protection}: a frame cut short, padded or with a byte removed (its length changed) fails its check`, () => {
    const { send, receiver, wire } = link(protection);
    send.send(FrameKind.messages, [randomBytes(100)]);
    const frame = wire()[0]!;
    assert.throws(() => receiver().openFrame(frame.subarray(0, frame.length - 1)), AuthenticationError);
    assert.throws(() => receiver().openFrame(Buffer.concat([frame.subarray(0, 50), frame.subarray(51)])), AuthenticationError);
    assert.throws(() => receiver().openFrame(Buffer.concat([frame, Buffer.of(0)])), AuthenticationError);
    assert.throws(() => receiver().openFrame(frame.subarray(0, 16)), WireFormatError, 'shorter than kind + tag');
    assert.equal(receiver().openFrame(frame).kind, FrameKind.messages, 'the untouched frame still opens');
  });

  test(`${protection}: replayed, reordered or dropped frames fail: each frame is bound to its position (the nonce is a counter)`, () => {
    const replay = link(protection);
    replay.send.send(FrameKind.messages, [Buffer.from('one')]);
    const first = replay.wire()[0]!;
    replay.open.openFrame(first);
    assert.throws(() => replay.open.openFrame(Buffer.from(first)), AuthenticationError, 'the same frame again');

    const reorder = link(protection);
    reorder.send.send(FrameKind.messages, [Buffer.from('one')]);
    reorder.send.send(FrameKind.messages, [Buffer.from('two')]);
    const [, two] = reorder.wire();
    assert.throws(() => reorder.open.openFrame(two!), AuthenticationError, 'the second before the first (or the first dropped)');
  });

  test(`${protection}: a frame made without the session key (a forged tag, another key) fails its check`, () => {
    const wrongKey = link(protection, randomBytes(32), randomBytes(32));
    wrongKey.send.send(FrameKind.messages, [Buffer.from('hello')]);
    assert.throws(() => wrongKey.open.openFrame(wrongKey.wire()[0]!), AuthenticationError);
    const { open } = link(protection);
    const forged = Buffer.concat([Buffer.of(FrameKind.messages), Buffer.from('injected'), randomBytes(16)]);
    assert.throws(() => open.openFrame(forged), AuthenticationError);
  });
}

test('encrypt: no body byte string is visible on the wire (small runs and large parts alike)', () => {
  const { send, raw } = link('encrypt');
  const marker = Buffer.from('Subject: quarterly figures -- CONFIDENTIAL');
  const big = Buffer.concat(Array.from({ length: 2000 }, () => marker)); // ~84 KiB, a large part on its own
  send.send(FrameKind.messages, [marker, Buffer.from('x'), big, marker]);
  const wire = raw();
  assert.equal(wire.length, 4 + 1 + marker.length * 2 + 1 + big.length + 16);
  assert.equal(wire.indexOf(marker), -1, 'the plaintext must not appear');
  assert.equal(wire.indexOf(marker.subarray(0, 12)), -1, 'nor a piece of it');
});

test('authenticate: the body is on the wire as it was sent (readable: only for private or tunnelled links)', () => {
  const { send, raw } = link('authenticate');
  const marker = Buffer.from('Subject: quarterly figures');
  send.send(FrameKind.messages, [marker]);
  assert.notEqual(raw().indexOf(marker), -1);
});

test('a frame protected one way does not open the other way, even under the same key (the handshake also gives them different keys)', () => {
  for (const [sender, receiver] of [['encrypt', 'authenticate'], ['authenticate', 'encrypt']] as const) {
    const { send, open, wire } = link(sender, randomBytes(32), undefined, receiver);
    send.send(FrameKind.messages, [Buffer.from('hello')]);
    assert.throws(() => open.openFrame(wire()[0]!), AuthenticationError, `${sender} -> ${receiver}`);
  }
});

test('authenticate: a large frame\'s body is a view into the received frame (no copy); encrypt: a new buffer', () => {
  for (const protection of linkProtections) {
    const { send, open, wire } = link(protection);
    send.send(FrameKind.messages, [randomBytes(64 * 1024)]);
    const frame = wire()[0]!;
    const { body } = open.openFrame(frame);
    assert.equal(body.buffer === frame.buffer, protection === 'authenticate', protection);
  }
});
