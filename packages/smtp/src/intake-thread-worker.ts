/**
 * The SMTP sessions' thread (started by intake-thread.ts): runs SmtpIntake with a backend that asks
 * the store's thread every question over the parent port, and forwards its log lines there.
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { limits } from '@tandem/config';
import type { IntakeBackend, IntakeSession } from './intake-backend.js';
import type { IntakeLogger } from './intake-logger.js';
import type { HostToIntake, IntakeToHost, LogLevel, Question } from './intake-thread-protocol.js';
import { PortBatch } from './port-batch.js';
import { listenerKinds, SmtpIntake } from './smtp-intake.js';
import { DecidedReplyError } from './smtp-reply-for-error.js';

const port = parentPort!;
const post = (m: IntakeToHost, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
let nextId = 1;

const questions = new PortBatch<Question>((batch, transfer) => post({ t: 'questions', questions: batch }, transfer));

function ask<T>(question: (id: number) => Question, transfer?: ArrayBuffer): Promise<T> {
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
    questions.add(question(id), transfer);
  });
}

/**
 * Local addresses the store accepted (intake-thread.ts): valid until the store says domains, users
 * or aliases changed. Only local acceptances are kept; they do not depend on the session. A remote
 * one does (only an authenticated client may send outbound), so it is asked every time.
 */
const directory = (workerData as { directory: MessagePort }).directory;
const accepted = new Set<string>();
let directoryGeneration = 0;

/** Takes every change notice already posted; any at all makes what was remembered stale. */
function catchUpWithDirectory(): number {
  let changed = false;
  while (receiveMessageOnPort(directory) !== undefined) changed = true;
  if (changed) { accepted.clear(); directoryGeneration++; }
  return directoryGeneration;
}

async function checkRecipient(address: string, session: IntakeSession): Promise<'local' | 'remote'> {
  const asked = catchUpWithDirectory();
  if (accepted.has(address)) return 'local';
  const route = await ask<'local' | 'remote'>((id) => ({ t: 'rcpt', id, address, session }));
  // An answer given before a change that was posted meanwhile is not remembered.
  if (route !== 'local' || catchUpWithDirectory() !== asked) return route;
  if (accepted.size >= limits.smtpAcceptedRecipientsMax) accepted.clear();
  accepted.add(address);
  return route;
}

const backend: IntakeBackend = {
  checkRecipient,
  lookupUser: (username) => ask((id) => ({ t: 'user', id, username })),
  deliver: (request, session) => {
    // A copy of just the message's bytes, moved across: cloning the view would copy its whole
    // backing store (a pooled or socket buffer), and the session still holds `raw` itself.
    const bytes = new Uint8Array(request.raw);
    return ask((id) => ({ t: 'deliver', id, request: { ...request, raw: bytes as Buffer }, session }), bytes.buffer);
  },
};

function forwardingLogger(levels: readonly LogLevel[]): IntakeLogger {
  const line = (level: LogLevel) => levels.includes(level)
    ? (fields: object, message: string): void => post({ t: 'log', level, fields: plain(fields), message })
    : (): void => undefined;
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

/** Log fields as data: an Error becomes its message and stack (structured clone would keep less). */
function plain(fields: object): object {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = v instanceof Error ? { message: v.message, stack: v.stack } : v;
  return out;
}

let intake: SmtpIntake | undefined;
/** The newest TLS material the host sent: also for an opening that was under way when it came. */
let renewedTls: Extract<HostToIntake, { t: 'tls' }>['tls'] | undefined;

port.on('message', (m: HostToIntake) => {
  switch (m.t) {
    case 'answers':
      for (const a of m.answers) {
        const w = waiting.get(a.id);
        if (!w) continue;
        waiting.delete(a.id);
        if (a.decision) w.reject(new DecidedReplyError(a.decision));
        else w.resolve(a.value);
      }
      return;
    case 'listen':
      accepted.clear(); // a new opening (a new leadership) starts from what the store says
      void SmtpIntake.start({ ...m.options, backend, logger: forwardingLogger(m.logLevels) }).then((started) => {
        intake = started;
        if (renewedTls) started.updateTls(renewedTls);
        const addresses = Object.fromEntries(listenerKinds.map((kind) => [kind, started.address(kind)]));
        post({ t: 'listening', addresses: addresses as Extract<IntakeToHost, { t: 'listening' }>['addresses'] });
      }, (err: unknown) => post({ t: 'listen-failed', message: err instanceof Error ? err.message : String(err) }));
      return;
    case 'tls':
      renewedTls = m.tls;
      intake?.updateTls(m.tls);
      return;
    case 'close': {
      const closing = intake;
      intake = undefined;
      void (closing?.close() ?? Promise.resolve()).then(() => post({ t: 'closed' }));
      return;
    }
  }
});
