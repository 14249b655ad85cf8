import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import { limits } from '@tandem/config';
import { AdminRequestError } from './admin-errors.js';
import { AdminStream } from './admin-stream.js';
import type { AdminArgs, AdminOperations } from './admin-operations.js';

/**
 * The admin API: JSON over HTTP on a Unix socket (mode 0600) in the data dir, each request
 * carrying the token from `<data>/admin.token` (DESIGN §7: the admin API needs a token and listens
 * on a Unix socket or TLS). One route shape: POST /v1/<operation> with a JSON object of arguments;
 * the answer is { ok: true, result } or { ok: false, error: { code, message } }.
 */
export interface AdminServerOptions {
  socketPath: string;
  token: string;
  operations: AdminOperations;
  logger: Logger;
}

export class AdminServer {
  private constructor(private readonly server: Server, readonly socketPath: string) {}

  static async start(options: AdminServerOptions): Promise<AdminServer> {
    await removeStaleSocket(options.socketPath);
    const server = createServer((req, res) => void handle(req, res, options));
    server.maxConnections = limits.adminConnectionsMax;
    // The socket file is created by bind() inside listen(); the umask keeps it private from birth.
    const umask = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.socketPath, () => { server.removeListener('error', reject); resolve(); });
      });
    } finally {
      process.umask(umask);
    }
    chmodSync(options.socketPath, 0o600);
    return new AdminServer(server, options.socketPath);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

/**
 * A socket file left by a daemon that was killed is removed; one that answers belongs to a running
 * daemon (the store's lock should already have stopped us, but never steal a live socket).
 */
async function removeStaleSocket(socketPath: string): Promise<void> {
  if (!existsSync(socketPath)) return;
  const alive = await new Promise<boolean>((resolve) => {
    const probe = connect(socketPath);
    probe.once('connect', () => { probe.destroy(); resolve(true); });
    probe.once('error', () => resolve(false));
  });
  if (alive) throw new Error(`another tandemd is serving ${socketPath}; stop it first`);
  unlinkSync(socketPath);
}

/** Operations that only read: not worth a line each (monitoring polls some of them). */
const readOnly = /(^|\.)(list|status|member|digest)$/;
/** Arguments never logged. */
const secretArgs = new Set(['password']);

/**
 * The admin's audit trail: one info line per operation that changes something or hands something
 * out (a user removed, a quota set, a backup taken, a member added), with its arguments — never a
 * password — and its outcome: `ok` or the refusal's code. Who did it is whoever holds the token.
 */
function audit(logger: Logger, operation: string, args: AdminArgs, outcome: string): void {
  if (readOnly.test(operation)) return;
  const shown = Object.fromEntries(Object.entries(args).filter(([key]) => !secretArgs.has(key)));
  logger.info({ operation, args: shown, outcome }, 'admin operation');
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer (\S+)$/.exec(header ?? '');
  if (!match?.[1]) return false;
  const given = Buffer.from(match[1]);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function handle(req: IncomingMessage, res: ServerResponse, options: AdminServerOptions): Promise<void> {
  try {
    const match = /^\/v1\/([a-z]+(?:\.[a-z]+){0,2})$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !match?.[1]) throw new AdminRequestError(404, 'NOT_FOUND', 'use POST /v1/<operation>');
    if (!tokenMatches(req.headers.authorization, options.token)) {
      throw new AdminRequestError(401, 'UNAUTHORIZED', 'missing or wrong admin token (it is in admin.token in the data dir)');
    }
    const operation = match[1];
    const args = await readJsonBody(req);
    let result: unknown;
    try {
      result = await options.operations.run(operation, args);
    } catch (err) {
      if (err instanceof AdminRequestError) audit(options.logger, operation, args, err.code);
      throw err;
    }
    audit(options.logger, operation, args, 'ok');
    if (result instanceof AdminStream) {
      await sendStream(res, result, options);
      return;
    }
    send(res, 200, { ok: true, result });
  } catch (err) {
    if (err instanceof AdminRequestError) {
      send(res, err.httpStatus, { ok: false, error: { code: err.code, message: err.message } });
      return;
    }
    options.logger.error({ err, url: req.url }, 'admin request failed');
    send(res, 500, { ok: false, error: { code: 'INTERNAL', message: `internal error: ${(err as Error).message}; see the tandemd log` } });
  }
}

async function readJsonBody(req: IncomingMessage): Promise<AdminArgs> {
  const chunks: Buffer[] = [];
  let sizeBytes = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    sizeBytes += chunk.length;
    if (sizeBytes > limits.adminRequestBytesMax) throw new AdminRequestError(413, 'TOO_LARGE', `request larger than ${limits.adminRequestBytesMax} bytes`);
    chunks.push(chunk);
  }
  if (sizeBytes === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new AdminRequestError(400, 'INVALID', 'request body is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new AdminRequestError(400, 'INVALID', 'request body must be a JSON object');
  return parsed as AdminArgs;
}

/**
 * The bytes as they come, never faster than the client takes them. Once the status line is out an
 * error can only cut the connection short: the client sees fewer bytes than content-length (and a
 * backup archive's own checksums fail), never a complete-looking answer.
 */
async function sendStream(res: ServerResponse, stream: AdminStream, options: AdminServerOptions): Promise<void> {
  try {
    res.writeHead(200, { 'content-type': 'application/octet-stream', ...stream.headers });
    for await (const chunk of stream.bytes) {
      if (res.destroyed) break;
      if (!res.write(chunk)) await new Promise<void>((resolve) => { res.once('drain', resolve); res.once('close', resolve); });
    }
    if (!res.destroyed) res.end();
  } catch (err) {
    options.logger.error({ err, url: res.req.url }, 'admin stream failed; the connection was cut');
    res.destroy();
  } finally {
    await stream.close();
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
