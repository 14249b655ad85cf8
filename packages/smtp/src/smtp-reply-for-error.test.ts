// Goal: every typed failure maps to exactly one SMTP reply (code + enhanced code), and a possibly-committed delivery is never answered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogClosedError, NotLeaderError, OutcomeUnknownError, ProposalQueueFullError } from '@tandem/store';
import { toSmtpReply } from './smtp-reply-for-error.js';
import {
  AuthFailedError, AuthNeedsTlsError, ClientGoneError, DataLineTooLongError, DeliveryRefusedError, IntakeBusyError, IntakeClosingError, MalformedAddressError,
  MessageTooBigError, OutboundNotConfiguredError, RelayDeniedError, UnknownRecipientError,
} from './smtp-errors.js';

const logged: Array<{ level: string; fields: object }> = [];
const logger = {
  debug: (fields: object) => logged.push({ level: 'debug', fields }),
  info: (fields: object) => logged.push({ level: 'info', fields }),
  warn: (fields: object) => logged.push({ level: 'warn', fields }),
  error: (fields: object) => logged.push({ level: 'error', fields }),
};
const context = { sessionId: 'S1', logger };

function codes(err: unknown): string {
  const decision = toSmtpReply(err, context);
  return decision.kind === 'drop' ? 'drop' : `${decision.reply.code} ${decision.reply.enhancedCode}`;
}

test('user-facing failures map to their RFC 3463 codes', () => {
  assert.equal(codes(new UnknownRecipientError('x@example.test')), '550 5.1.1');
  assert.equal(codes(new AuthFailedError()), '535 5.7.8');
  assert.equal(codes(new AuthNeedsTlsError()), '538 5.7.11');
  assert.equal(codes(new RelayDeniedError('x@elsewhere.test')), '554 5.7.1');
  assert.equal(codes(new OutboundNotConfiguredError('x@elsewhere.test')), '550 5.7.1');
  assert.equal(codes(new MalformedAddressError('x', 'rcptTo', 'bad')), '501 5.1.3');
  assert.equal(codes(new MalformedAddressError('x', 'mailFrom', 'bad')), '501 5.1.7');
  assert.equal(codes(new MessageTooBigError(10)), '552 5.3.4');
  assert.equal(codes(new DataLineTooLongError(10)), '554 5.6.0');
  assert.equal(codes(new DeliveryRefusedError('NOQUOTA', 'over quota')), '552 5.2.2');
  assert.equal(codes(new DeliveryRefusedError('NOTFOUND', 'gone')), '550 5.1.1');
});

test('nothing proposed: a temporary failure the client may retry', () => {
  assert.equal(codes(new NotLeaderError()), '451 4.3.0');
  assert.equal(codes(new ProposalQueueFullError(10)), '451 4.3.0');
  assert.equal(codes(new IntakeBusyError()), '451 4.3.1');
  assert.equal(codes(new LogClosedError()), '421 4.3.2');
  assert.equal(codes(new IntakeClosingError()), '421 4.3.2');
});

test('a delivery that may still commit is never answered: the connection is dropped', () => {
  assert.equal(codes(new OutcomeUnknownError('leadership lost')), 'drop');
  assert.equal(codes(new ClientGoneError()), 'drop');
});

test('anything else is logged with the session id and answered 451 4.3.0', () => {
  logged.length = 0;
  const decision = toSmtpReply(new TypeError('boom'), context);
  assert.equal(decision.kind, 'reply');
  assert.equal(decision.kind === 'reply' && `${decision.reply.code} ${decision.reply.enhancedCode}`, '451 4.3.0');
  assert.equal(logged.length, 1);
  assert.equal(logged[0]?.level, 'error');
  assert.equal((logged[0]?.fields as { session: string }).session, 'S1');
  assert.equal(codes(new DeliveryRefusedError('INVALID', 'odd')), '451 4.3.0');
});
