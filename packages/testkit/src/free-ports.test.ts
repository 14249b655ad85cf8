// Goal: freePorts gives distinct ports that can be listened on, below the kernel's ephemeral range (where client sockets never take them), and skips a port that is taken.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { freePorts } from './free-ports.js';

test('distinct, listenable ports below the ephemeral range', async () => {
  const ports = await freePorts(20);
  assert.equal(new Set(ports).size, 20);
  const ephemeralStart = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  for (const port of ports) assert.ok(port >= 10_000 && port < ephemeralStart, `${port} is below ${ephemeralStart}`);
  // Each can be listened on right away.
  const servers = await Promise.all(ports.map((port) => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  })));
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

test('a port in use is never handed out', async () => {
  // A range of ten ports with eight of them taken: the two free ones are the answer, every time.
  const [base] = await freePorts(1, { range: [20_000, 30_000 - 10] });
  const range: [number, number] = [base!, base! + 10];
  const taken = await freePorts(8, { range });
  const servers = await Promise.all(taken.map((port) => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  })));
  try {
    const free = Array.from({ length: 10 }, (_, i) => base! + i).filter((p) => !taken.includes(p));
    for (let round = 0; round < 5; round++) assert.deepEqual((await freePorts(2, { range })).sort(), free.sort());
    await assert.rejects(freePorts(3, { range }), /no 3 free ports/);
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
});
