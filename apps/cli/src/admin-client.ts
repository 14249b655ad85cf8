import { request, type IncomingMessage } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Talks to tandemd's admin API over its Unix socket (see apps/server/src/admin-server.ts) with the
 * token from the data dir. Every failure becomes a CliError whose message says what to do next.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(message: string, readonly code: string = 'ERROR') { super(message); }
}

export interface AdminTarget {
  dataDir: string;
  socketPath: string;
}

export function adminTarget(dataDir: string, socketPath?: string): AdminTarget {
  return { dataDir, socketPath: socketPath ?? join(dataDir, 'admin.sock') };
}

const startHint = 'is it running? start it with `npm start` (or point me at its data dir with --data-dir or TANDEM_DATA_DIR)';

export async function callAdmin(target: AdminTarget, operation: string, args: Record<string, unknown> = {}): Promise<unknown> {
  const res = await post(target, operation, args);
  const text = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
  return parseAnswer(target, res.statusCode ?? 0, text);
}

/**
 * An operation whose answer is bytes (a backup): resolves with the response to read them from
 * once tandemd has started sending; a refusal (JSON) becomes a CliError like callAdmin's.
 */
export async function downloadAdmin(target: AdminTarget, operation: string, args: Record<string, unknown> = {}): Promise<IncomingMessage> {
  const res = await post(target, operation, args);
  if (res.statusCode === 200 && res.headers['content-type'] === 'application/octet-stream') return res;
  const chunks: Buffer[] = [];
  for await (const c of res as AsyncIterable<Buffer>) chunks.push(c);
  parseAnswer(target, res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'));
  throw new CliError(`tandemd answered ${operation} with JSON where bytes were expected; is the daemon older than this CLI?`);
}

function post(target: AdminTarget, operation: string, args: Record<string, unknown>): Promise<IncomingMessage> {
  const token = readToken(target);
  const body = JSON.stringify(args);
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = request({
      socketPath: target.socketPath,
      path: `/v1/${operation}`,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${token}` },
    }, resolve);
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') {
        reject(new CliError(`cannot reach tandemd at ${target.socketPath}: ${startHint}`, 'UNREACHABLE'));
      } else {
        reject(new CliError(`cannot talk to tandemd at ${target.socketPath}: ${err.message}`, 'UNREACHABLE'));
      }
    });
    req.end(body);
  });
}

function parseAnswer(target: AdminTarget, status: number, text: string): unknown {
  const response = { status, text };
  let parsed: { ok: boolean; result?: unknown; error?: { code: string; message: string } };
  try {
    parsed = JSON.parse(response.text) as typeof parsed;
  } catch {
    throw new CliError(`tandemd answered HTTP ${response.status} with something that is not JSON; is ${target.socketPath} really tandemd's admin socket?`);
  }
  if (!parsed.ok) throw new CliError(parsed.error?.message ?? `failed (HTTP ${response.status})`, parsed.error?.code ?? 'ERROR');
  return parsed.result;
}

function readToken(target: AdminTarget): string {
  const path = join(target.dataDir, 'admin.token');
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`no admin token at ${path}: tandemd has not run with data dir ${target.dataDir}; ${startHint}`, 'UNREACHABLE');
    if (code === 'EACCES') throw new CliError(`cannot read ${path}: permission denied; run tandem as the user tandemd runs as`, 'UNREACHABLE');
    throw new CliError(`cannot read ${path}: ${(err as Error).message}`, 'UNREACHABLE');
  }
}
