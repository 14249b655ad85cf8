/**
 * The golden transcript format (packages/imap/testdata/*.txt; see testdata/README.md), after
 * etcd-raft's data-driven tests and Dovecot's imaptest scripts: several connections, each line a
 * client line or an expected server line, so a test reads like the wire.
 *
 *   # comment
 *   @connect C1 [imap|imaps]        open a connection (greeting lines follow as expected lines)
 *   C1: a1 SELECT INBOX            a client line (CRLF added); consecutive ones are sent together
 *   * 2 EXISTS                      expected server lines, exact; "{*}" matches any run of characters
 *   a1 OK [READ-WRITE] SELECT completed
 *   @expect C1                      expected lines that arrive without a command (IDLE, BYE)
 *   @deliver INBOX                  a message.deliver through the command log; body until "@end"
 *   @user other@example.test pw     another user
 *   @starttls C1                    TLS handshake on C1 (after "OK Begin TLS negotiation now")
 *   @closed C1                      the server must close C1 now
 *   @close C1                       the client closes C1
 *
 * Pure: parses text into steps; transcript-runner.ts executes them.
 */

export type TranscriptStep =
  | { readonly kind: 'connect'; readonly line: number; readonly conn: string; readonly port: 'imap' | 'imaps'; readonly expected: readonly string[] }
  | { readonly kind: 'send'; readonly line: number; readonly conn: string; readonly lines: readonly string[]; readonly expected: readonly string[] }
  | { readonly kind: 'expect'; readonly line: number; readonly conn: string; readonly expected: readonly string[] }
  | { readonly kind: 'deliver'; readonly line: number; readonly mailbox: string; readonly user: string | null; readonly message: string }
  | { readonly kind: 'user'; readonly line: number; readonly address: string; readonly password: string; readonly quotaBytes: number | null }
  | { readonly kind: 'starttls'; readonly line: number; readonly conn: string }
  | { readonly kind: 'closed'; readonly line: number; readonly conn: string }
  | { readonly kind: 'close'; readonly line: number; readonly conn: string };

export class TranscriptSyntaxError extends Error {
  override readonly name = 'TranscriptSyntaxError';
  constructor(readonly line: number, reason: string) { super(`line ${line}: ${reason}`); }
}

const clientRe = /^(C\d+):(?: ?)(.*)$/;

export function parseTranscript(text: string): TranscriptStep[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const steps: TranscriptStep[] = [];
  let i = 0;
  const expectedLines = (): string[] => {
    const out: string[] = [];
    while (i < lines.length && !startsStep(lines[i]!)) out.push(lines[i++]!);
    while (out.length > 0 && out[out.length - 1] === '') out.pop();
    return out;
  };
  while (i < lines.length) {
    const raw = lines[i]!;
    const lineNo = i + 1;
    if (raw === '' || raw.startsWith('#')) { i++; continue; }
    const client = clientRe.exec(raw);
    if (client) {
      const conn = client[1]!;
      const sent: string[] = [];
      while (i < lines.length) {
        const m = clientRe.exec(lines[i]!);
        if (!m || m[1] !== conn) break;
        sent.push(m[2]!);
        i++;
      }
      steps.push({ kind: 'send', line: lineNo, conn, lines: sent, expected: expectedLines() });
      continue;
    }
    if (!raw.startsWith('@')) throw new TranscriptSyntaxError(lineNo, `expected a client line or a directive, got ${JSON.stringify(raw)}`);
    i++;
    const [directive, ...args] = raw.slice(1).split(' ');
    switch (directive) {
      case 'connect':
        steps.push({ kind: 'connect', line: lineNo, conn: need(args[0], lineNo), port: args[1] === 'imaps' ? 'imaps' : 'imap', expected: expectedLines() });
        break;
      case 'expect':
        steps.push({ kind: 'expect', line: lineNo, conn: need(args[0], lineNo), expected: expectedLines() });
        break;
      case 'deliver': {
        const body: string[] = [];
        while (i < lines.length && lines[i] !== '@end') body.push(lines[i++]!);
        if (i >= lines.length) throw new TranscriptSyntaxError(lineNo, '@deliver without @end');
        i++;
        steps.push({ kind: 'deliver', line: lineNo, mailbox: args[0] ?? 'INBOX', user: args[1] ?? null, message: body.map((l) => `${l}\r\n`).join('') });
        break;
      }
      case 'user':
        steps.push({ kind: 'user', line: lineNo, address: need(args[0], lineNo), password: need(args[1], lineNo), quotaBytes: args[2] ? Number(args[2]) : null });
        break;
      case 'starttls': case 'closed': case 'close':
        steps.push({ kind: directive, line: lineNo, conn: need(args[0], lineNo) });
        break;
      default:
        throw new TranscriptSyntaxError(lineNo, `unknown directive @${directive}`);
    }
  }
  return steps;
}

function startsStep(line: string): boolean {
  return clientRe.test(line) || (line.startsWith('@') && !line.startsWith('@end')) || line.startsWith('#');
}

function need(value: string | undefined, line: number): string {
  if (value === undefined || value === '') throw new TranscriptSyntaxError(line, 'missing argument');
  return value;
}

/**
 * Splits wire bytes into whole responses (a line, plus the literals it announces with "{n}" or
 * "~{n}" at its end, plus the rest of the line). Returns the responses and the unfinished tail.
 */
export function splitResponses(data: Buffer): { responses: Buffer[]; rest: Buffer } {
  const responses: Buffer[] = [];
  let start = 0;
  let pos = 0;
  for (;;) {
    const lf = data.indexOf(0x0a, pos);
    if (lf === -1) break;
    const m = /\{(\d+)\+?\}\r?$/.exec(data.toString('latin1', Math.max(pos, lf - 24), lf));
    if (m) {
      const end = lf + 1 + Number(m[1]);
      if (end > data.length) break;
      pos = end;
      continue;
    }
    responses.push(data.subarray(start, lf + 1));
    start = pos = lf + 1;
  }
  return { responses, rest: data.subarray(start) };
}

/** Expected lines (as written in a transcript) → one wire text per response, for counting and comparing. */
export function expectedResponses(expected: readonly string[]): string[] {
  if (expected.length === 0) return [];
  const wire = Buffer.from(expected.map((l) => `${l}\r\n`).join(''), 'utf8');
  const { responses, rest } = splitResponses(wire);
  const texts = responses.map((r) => r.toString('utf8'));
  if (rest.length > 0) texts.push(rest.toString('utf8'));
  return texts;
}

/** One response compared with its expectation: line by line, "{*}" matching any run of characters. */
export function responseMatches(expected: string, actual: string): boolean {
  const e = expected.split('\r\n');
  const a = actual.split('\r\n');
  if (e.length !== a.length) return false;
  return e.every((line, k) => lineMatches(line, a[k]!));
}

function lineMatches(pattern: string, line: string): boolean {
  if (!pattern.includes('{*}')) return pattern === line;
  const parts = pattern.split('{*}');
  if (!line.startsWith(parts[0]!) || !line.endsWith(parts[parts.length - 1]!)) return false;
  let at = parts[0]!.length;
  const endLimit = line.length - parts[parts.length - 1]!.length;
  for (let k = 1; k < parts.length - 1; k++) {
    const found = line.indexOf(parts[k]!, at);
    if (found === -1 || found + parts[k]!.length > endLimit) return false;
    at = found + parts[k]!.length;
  }
  return at <= endLimit;
}
