// Goal: only holders of the cluster secret, with the same link protection, exchange messages; tampering kills the frame; links fail over and fail back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { Message } from '@tandem/raft';
import { TcpTransport, type TransportHandler } from './tcp-transport.js';
import type { PeerAddress } from './peer-link.js';
import { BinaryWriter } from './binary-writer.js';
import { FrameReader } from './frame-reader.js';
import { protectionCodes, protocolVersion } from './handshake.js';
import { LinkProtectionMismatchError } from './errors.js';
import { encodeMessageBatch } from './message-codec.js';

const secret = Buffer.from('correct horse battery staple, cluster one');
const host = '127.0.0.1';

/** A frame as the wire carries it: u32 length, then the body (the handshake's frames, before any key). */
function lengthPrefixed(parts: Uint8Array[]): Buffer {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  return Buffer.concat([head, body]);
}

/** A client hello from `a` to `b` announcing the link protection with this code, and a fresh nonce. */
function hello(protectionCode: number): Buffer {
  return lengthPrefixed(new BinaryWriter().bytes(Buffer.from('TNDM')).u8(protocolVersion).u8(protectionCode).bytes(randomBytes(32)).str('a').str('b').finish());
}

function message(from: string, to: string, term: number, data?: Uint8Array): Message {
  return {
    type: 'appendEntries', from, to, term, logTerm: 1, index: 7, commit: 3, reject: false, rejectHint: 0,
    sentTick: 42, dataIndex: 2, leadershipTransfer: false,
    entries: data === undefined ? [] : [{ term, index: 8, type: 'normal', data }],
  };
}

/** Collects what a transport delivers, with promises for "the next message" and link state changes. */
class Recorder implements TransportHandler {
  readonly received: Message[] = [];
  readonly unreachable: string[] = [];
  private waiters: Array<() => void> = [];
  onMessages(messages: Message[]): void {
    this.received.push(...messages);
    this.wake();
  }
  onUnreachable(peerId: string): void {
    this.unreachable.push(peerId);
    this.wake();
  }
  onSnapshotFrame(): void {}
  onSnapshotAck(): void {}
  linkEvents: Array<{ peer: string; up: boolean; port: number; error?: Error | undefined }> = [];
  onLinkState(peer: string, up: boolean, address: PeerAddress, error: Error | undefined): void {
    this.linkEvents.push({ peer, up, port: address.port, error });
    this.wake();
  }
  readonly refusals: Error[] = [];
  onHandshakeRefused(error: Error): void {
    this.refusals.push(error);
    this.wake();
  }
  /** Resolves when `check` holds, re-checked after each event; rejects after timeoutMs. */
  until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      const waiter = (): void => {
        if (!check()) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve();
      };
      this.waiters.push(waiter);
    });
  }
  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}

/** A TCP relay we can cut like a cable (blackhole: bytes stop, sockets stay open), or use to flip a bit, replay or inject bytes. */
class FaultProxy {
  mode: 'forward' | 'blackhole' = 'forward';
  tamperNext = false;
  /** The next client-to-server chunk is forwarded twice (a replay). */
  replayNext = false;
  private upstream: Socket | undefined;
  private readonly sockets = new Set<Socket>();
  private constructor(private readonly server: Server, readonly port: number) {}
  static async start(targetPort: number): Promise<FaultProxy> {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, host, () => r()));
    const port = (server.address() as { port: number }).port;
    const proxy = new FaultProxy(server, port);
    server.on('connection', (client) => {
      const upstream = connect({ host, port: targetPort });
      proxy.upstream = upstream;
      for (const s of [client, upstream]) {
        proxy.sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => { client.destroy(); upstream.destroy(); });
      }
      client.on('data', (chunk: Buffer) => {
        if (proxy.mode === 'blackhole') return;
        if (proxy.tamperNext) {
          proxy.tamperNext = false;
          chunk = Buffer.from(chunk);
          chunk[chunk.length - 20] = chunk[chunk.length - 20]! ^ 0x01;
        }
        upstream.write(chunk);
        if (proxy.replayNext) {
          proxy.replayNext = false;
          upstream.write(chunk);
        }
      });
      upstream.on('data', (chunk: Buffer) => {
        if (proxy.mode !== 'blackhole') client.write(chunk);
      });
    });
    return proxy;
  }
  /** Writes bytes of our own to the server, as if the client had sent them. */
  inject(bytes: Buffer): void {
    this.upstream?.write(bytes);
  }
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

async function pair(optionsA: Partial<Parameters<typeof TcpTransport.start>[0]> = {}): Promise<{ a: TcpTransport; b: TcpTransport; ra: Recorder; rb: Recorder }> {
  const rb = new Recorder();
  const b = await TcpTransport.start({ id: 'b', listen: { host, port: 0 }, peers: { a: [{ host, port: 1 }] }, secret }, rb);
  const ra = new Recorder();
  const a = await TcpTransport.start({ id: 'a', listen: { host, port: 0 }, peers: { b: [{ host, port: b.port }] }, secret, ...optionsA }, ra);
  return { a, b, ra, rb };
}

test('messages with raw entry bytes arrive intact, batched into one frame per peer', async () => {
  const { a, b, ra, rb } = await pair();
  try {
    await ra.until(() => a.linkStatus().b?.up === true, 'link a->b');
    const big = randomBytes(64 * 1024);
    a.send([message('a', 'b', 5, big), message('a', 'b', 6), message('a', 'b', 7, new Uint8Array(0))]);
    await rb.until(() => rb.received.length === 3, 'three messages');
    assert.equal(a.stats.framesSent, 1);
    assert.deepEqual(rb.received.map((m) => m.term), [5, 6, 7]);
    const got = rb.received[0]!;
    assert.deepEqual({ ...got, entries: [] }, { ...message('a', 'b', 5), entries: [] });
    assert.deepEqual(Buffer.from(got.entries[0]!.data), big);
    assert.equal(got.entries[0]!.type, 'normal');
  } finally {
    await a.close();
    await b.close();
  }
});

test('a member with the wrong cluster secret is refused and cannot deliver anything', async () => {
  const rb = new Recorder();
  const b = await TcpTransport.start({ id: 'b', listen: { host, port: 0 }, peers: { a: [{ host, port: 1 }] }, secret }, rb);
  const rogue = new Recorder();
  const wrong = await TcpTransport.start({
    id: 'a', listen: { host, port: 0 }, peers: { b: [{ host, port: b.port }] }, secret: Buffer.from('a different secret, same length!!'),
  }, rogue);
  try {
    await rogue.until(() => rogue.linkEvents.filter((e) => !e.up).length >= 2, 'two refused dials');
    wrong.send([message('a', 'b', 9)]);
    assert.equal(wrong.linkStatus().b?.up, false);
    assert.deepEqual(rogue.unreachable, ['b']);
    assert.ok(b.stats.handshakesRefused >= 1);
    assert.equal(rb.received.length, 0);
  } finally {
    await wrong.close();
    await b.close();
  }
});

test('a client that skips the proof (a forged handshake) is disconnected before any frame counts', async () => {
  const rb = new Recorder();
  const b = await TcpTransport.start({ id: 'b', listen: { host, port: 0 }, peers: { a: [{ host, port: 1 }] }, secret }, rb);
  try {
    const socket = connect({ host, port: b.port });
    const reader = new FrameReader(1 << 20);
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      if (reader.push(chunk).length > 0) {
        socket.write(lengthPrefixed([randomBytes(32)])); // a guessed proof
        socket.write(lengthPrefixed([randomBytes(200)])); // an "injected" frame
      }
    });
    socket.write(hello(protectionCodes.encrypt));
    await closed;
    assert.equal(b.stats.handshakesRefused, 1);
    assert.equal(rb.received.length, 0);
  } finally {
    await b.close();
  }
});

test('members with different link protection refuse each other in the handshake, with an error naming both settings', async () => {
  const rb = new Recorder();
  const b = await TcpTransport.start({ id: 'b', listen: { host, port: 0 }, peers: { a: [{ host, port: 1 }] }, secret }, rb); // encrypt, the default
  const ra = new Recorder();
  const a = await TcpTransport.start({
    id: 'a', listen: { host, port: 0 }, peers: { b: [{ host, port: b.port }] }, secret, linkProtection: 'authenticate',
  }, ra);
  b.setPeers({ a: [{ host, port: a.port }] });
  try {
    await ra.until(() => ra.linkEvents.some((e) => e.error instanceof LinkProtectionMismatchError), 'a refused by b');
    await rb.until(() => rb.linkEvents.some((e) => e.error instanceof LinkProtectionMismatchError), 'b refused by a');
    await rb.until(() => rb.refusals.length >= 1 && ra.refusals.length >= 1, 'both servers refused a client');
    // The client checked the server's proof before believing its announced protection.
    const mismatch = (r: Recorder): string => r.linkEvents.find((e) => e.error instanceof LinkProtectionMismatchError)!.error!.message;
    assert.equal(mismatch(ra),
      'cluster authentication failed: link protection mismatch: this member only authenticates, member b encrypts '
      + '(cluster.linkProtection must be the same on every member)');
    assert.match(mismatch(rb), /this member encrypts, member a only authenticates/);
    assert.ok(rb.refusals.every((e) => e instanceof LinkProtectionMismatchError), 'the server side says why too');
    assert.match(rb.refusals[0]!.message, /this member encrypts, member a only authenticates/);
    assert.match(a.linkStatus().b?.error ?? '', /link protection mismatch/, 'the reason stays in the link status while down');
    a.send([message('a', 'b', 9)]);
    b.send([message('b', 'a', 9)]);
    assert.equal(a.linkStatus().b?.up, false);
    assert.equal(b.linkStatus().a?.up, false);
    assert.equal(rb.received.length + ra.received.length, 0);
  } finally {
    await a.close();
    await b.close();
  }
});

test('a hello announcing an unknown link protection is refused', async () => {
  const rb = new Recorder();
  const b = await TcpTransport.start({ id: 'b', listen: { host, port: 0 }, peers: { a: [{ host, port: 1 }] }, secret }, rb);
  try {
    const socket = connect({ host, port: b.port });
    socket.on('error', () => undefined);
    socket.resume(); // read the challenge, then see the server's end
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write(hello(0));
    await closed;
    await rb.until(() => rb.refusals.length === 1, 'refused');
    assert.match(rb.refusals[0]!.message, /member a uses unknown protection "code 0"/);
  } finally {
    await b.close();
  }
});

test('an unknown member id is refused even with the right secret', async () => {
  const rb = new Recorder();
  const b = await TcpTransport.start({ id: 'b', listen: { host, port: 0 }, peers: { a: [{ host, port: 1 }] }, secret }, rb);
  const rx = new Recorder();
  const x = await TcpTransport.start({ id: 'x', listen: { host, port: 0 }, peers: { b: [{ host, port: b.port }] }, secret }, rx);
  try {
    await rx.until(() => rx.linkEvents.some((e) => !e.up), 'refused dial');
    assert.ok(b.stats.handshakesRefused >= 1);
    assert.equal(x.linkStatus().b?.up, false);
  } finally {
    await x.close();
    await b.close();
  }
});

/**
 * a → fault proxy → b, with the link up. No pings: the only frames after the handshake are the
 * test's own, so the one the proxy tampers with, replays or follows with an injection is known.
 */
async function withProxiedLink(
  fn: (link: { a: TcpTransport; b: TcpTransport; ra: Recorder; rb: Recorder; proxy: FaultProxy }) => Promise<void>,
): Promise<void> {
  const rb = new Recorder();
  const b = await TcpTransport.start({ id: 'b', listen: { host, port: 0 }, peers: { a: [{ host, port: 1 }] }, secret }, rb);
  const proxy = await FaultProxy.start(b.port);
  const ra = new Recorder();
  const a = await TcpTransport.start({
    id: 'a', listen: { host, port: 0 }, peers: { b: [{ host, port: proxy.port }] }, secret, pingIntervalMs: 60_000,
  }, ra);
  try {
    await ra.until(() => a.linkStatus().b?.up === true, 'link up');
    await fn({ a, b, ra, rb, proxy });
  } finally {
    await a.close();
    await b.close();
    await proxy.close();
  }
}

test('a tampered frame is dropped, the connection reset, and the next message gets through', async () => {
  await withProxiedLink(async ({ a, b, ra, rb, proxy }) => {
    proxy.tamperNext = true;
    a.send([message('a', 'b', 1, randomBytes(1000))]);
    await ra.until(() => ra.linkEvents.filter((e) => !e.up).length === 1, 'link reset after tampering');
    assert.equal(b.stats.framesRejected, 1);
    await ra.until(() => a.linkStatus().b?.up === true, 'link up again');
    a.send([message('a', 'b', 2)]);
    await rb.until(() => rb.received.length === 1, 'the untampered message');
    assert.deepEqual(rb.received.map((m) => m.term), [2]);
  });
});

test('a replayed frame is rejected: the connection resets and the message is delivered once', async () => {
  await withProxiedLink(async ({ a, b, ra, rb, proxy }) => {
    proxy.replayNext = true;
    a.send([message('a', 'b', 1, randomBytes(1000))]);
    await ra.until(() => ra.linkEvents.filter((e) => !e.up).length === 1, 'link reset after the replay');
    assert.equal(b.stats.framesRejected, 1);
    assert.deepEqual(rb.received.map((m) => m.term), [1], 'the original counted, the copy did not');
  });
});

test('a frame injected into an authenticated connection by a process without the key is rejected; nothing is delivered', async () => {
  await withProxiedLink(async ({ a, b, ra, rb, proxy }) => {
    // A well-formed frame (kind "messages", a valid batch from a to b) with a guessed tag.
    const body = Buffer.concat([Buffer.of(1), ...encodeMessageBatch([message('a', 'b', 99, Buffer.from('forged entry'))]), randomBytes(16)]);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(body.length);
    proxy.inject(Buffer.concat([head, body]));
    await ra.until(() => ra.linkEvents.filter((e) => !e.up).length === 1, 'link reset after the injection');
    assert.equal(b.stats.framesRejected, 1);
    assert.equal(rb.received.length, 0);
    await ra.until(() => a.linkStatus().b?.up === true, 'link up again');
    a.send([message('a', 'b', 2)]);
    await rb.until(() => rb.received.length === 1, 'the genuine message');
    assert.deepEqual(rb.received.map((m) => m.term), [2]);
  });
});

test('a cut first link fails over to the second address, and traffic returns to the first once it works', async () => {
  const rb = new Recorder();
  const b = await TcpTransport.start({ id: 'b', listen: { host, port: 0 }, peers: { a: [{ host, port: 1 }] }, secret }, rb);
  const primary = await FaultProxy.start(b.port);
  const secondary = await FaultProxy.start(b.port);
  const ra = new Recorder();
  const a = await TcpTransport.start({
    id: 'a', listen: { host, port: 0 }, secret,
    peers: { b: [{ host, port: primary.port }, { host, port: secondary.port }] },
    pingIntervalMs: 20, linkTimeoutMs: 100, primaryProbeIntervalMs: 50, handshakeTimeoutMs: 200,
  }, ra);
  try {
    await ra.until(() => a.linkStatus().b?.up === true, 'link up on the first address');
    assert.equal(a.linkStatus().b?.addressIndex, 0);
    primary.mode = 'blackhole'; // bytes vanish, no FIN, no RST: a cut cable
    await ra.until(() => a.linkStatus().b?.up === true && a.linkStatus().b?.addressIndex === 1, 'failover to the second address');
    a.send([message('a', 'b', 1)]);
    await rb.until(() => rb.received.length === 1, 'message over the second link');
    primary.mode = 'forward';
    await ra.until(() => a.linkStatus().b?.up === true && a.linkStatus().b?.addressIndex === 0, 'back on the first address');
    a.send([message('a', 'b', 2)]);
    await rb.until(() => rb.received.length === 2, 'message over the first link again');
    assert.ok(a.linkStatus().b!.switches >= 2);
  } finally {
    await a.close();
    await b.close();
    await primary.close();
    await secondary.close();
  }
});

test('over the in-flight budget, messages are dropped and the peer reported unreachable (no unbounded queue)', async () => {
  const rb = new Recorder();
  const b = await TcpTransport.start({ id: 'b', listen: { host, port: 0 }, peers: { a: [{ host, port: 1 }] }, secret }, rb);
  const proxy = await FaultProxy.start(b.port);
  const ra = new Recorder();
  const budget = 256 * 1024;
  const a = await TcpTransport.start({
    id: 'a', listen: { host, port: 0 }, peers: { b: [{ host, port: proxy.port }] }, secret, inflightBytesMax: budget, pingIntervalMs: 60_000,
  }, ra);
  try {
    await ra.until(() => a.linkStatus().b?.up === true, 'link up');
    proxy.mode = 'blackhole';
    const chunk = randomBytes(128 * 1024);
    for (let i = 0; i < 400 && ra.unreachable.length === 0; i++) a.send([message('a', 'b', i + 1, chunk)]);
    assert.deepEqual(ra.unreachable.slice(0, 1), ['b']);
    assert.ok(a.linkStatus().b!.queuedBytes <= budget, `queued ${a.linkStatus().b!.queuedBytes}`);
    assert.ok(a.stats.messagesDropped >= 1);
  } finally {
    await a.close();
    await b.close();
    await proxy.close();
  }
});
