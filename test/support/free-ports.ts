import { createServer } from 'node:net';

/**
 * Ports the OS says are free on 127.0.0.1 right now, for processes that must be told their ports
 * (tandemd validates 1–65535 and restarts on the same ports). All are held open together until
 * every one is known, so they are distinct.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  })));
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}
