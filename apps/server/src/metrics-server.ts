import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';

/**
 * The metrics listener: `GET /metrics` (Prometheus text, read-only, no secrets in it) and
 * `GET /v1/member` (this member's status as JSON, for `tandem cluster status` on another member;
 * it needs `Authorization: Bearer <memberStatusToken(secret)>`, so only holders of the cluster
 * secret can read it). Bound to loopback and, where configured, the cluster links — never the VIP.
 */
export interface MetricsServerOptions {
  hosts: string[];
  port: number;
  render: () => string;
  /** Absent: no /v1/member (a node outside a cluster). */
  member?: { token: string; report: () => unknown };
  logger: Logger;
}

/** The bearer token for /v1/member, derived from the cluster secret (the secret never travels). */
export function memberStatusToken(secret: Uint8Array): string {
  return createHmac('sha256', secret).update('tandem member status v1').digest('hex');
}

export class MetricsServer {
  private constructor(private readonly servers: Server[]) {}

  static async start(options: MetricsServerOptions): Promise<MetricsServer> {
    const servers: Server[] = [];
    try {
      for (const host of options.hosts) {
        const server = createServer((req, res) => handle(req, res, options));
        servers.push(server);
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(options.port, host, () => { server.off('error', reject); resolve(); });
        });
      }
    } catch (err) {
      await new MetricsServer(servers).close();
      throw new Error(`metrics listener on port ${options.port}: ${(err as Error).message}`, { cause: err });
    }
    return new MetricsServer(servers);
  }

  async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    })));
  }
}

function handle(req: IncomingMessage, res: ServerResponse, options: MetricsServerOptions): void {
  try {
    if (req.method !== 'GET') return send(res, 405, 'text/plain', 'GET only\n');
    if (req.url === '/metrics') return send(res, 200, 'text/plain; version=0.0.4; charset=utf-8', options.render());
    if (req.url === '/v1/member' && options.member) {
      if (!tokenMatches(req.headers.authorization, options.member.token)) return send(res, 401, 'text/plain', 'cluster secret token required\n');
      return send(res, 200, 'application/json', JSON.stringify(options.member.report()));
    }
    send(res, 404, 'text/plain', 'try /metrics\n');
  } catch (err) {
    options.logger.error({ err, url: req.url }, 'metrics request failed');
    send(res, 500, 'text/plain', 'internal error\n');
  }
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer (\S+)$/.exec(header ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
