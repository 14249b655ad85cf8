// Goal: every command type survives encode → decode unchanged, bodies travel raw, and damaged bytes are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from './command.js';
import { decodeCommand, encodeCommand } from './command-codec.js';
import { CommandCodecError } from './store-errors.js';

const t = 1_767_225_600_123;
const body = Buffer.from('Subject: é\r\n\r\n\u0000\u00ff binary \r\n');

const samples: Command[] = [
  { type: 'domain.add', timestampMs: t, domain: 'example.test' },
  { type: 'domain.remove', timestampMs: t, domain: 'example.test' },
  { type: 'user.add', timestampMs: t, address: 'demo@example.test', passwordHash: '$scrypt$x' },
  { type: 'user.add', timestampMs: t, address: 'demo@example.test', passwordHash: '$scrypt$x', quotaBytes: 2 ** 40 },
  { type: 'user.remove', timestampMs: t, address: 'demo@example.test' },
  { type: 'user.passwd', timestampMs: t, address: 'demo@example.test', passwordHash: 'h' },
  { type: 'alias.add', timestampMs: t, source: '@example.test', target: 'demo@example.test' },
  { type: 'alias.remove', timestampMs: t, source: 'info@example.test', target: 'demo@example.test' },
  { type: 'mailbox.create', timestampMs: t, user: 'u@x', mailbox: 'Work/2026' },
  { type: 'mailbox.create', timestampMs: t, user: 'u@x', mailbox: 'Sent', specialUse: '\\Sent' },
  { type: 'mailbox.rename', timestampMs: t, user: 'u@x', mailbox: 'a', newName: 'Ünïcode/b' },
  { type: 'mailbox.delete', timestampMs: t, user: 'u@x', mailbox: 'a' },
  { type: 'mailbox.subscribe', timestampMs: t, user: 'u@x', mailbox: 'a', subscribed: false },
  {
    type: 'message.deliver', timestampMs: t, dedupeKey: 'k', queueId: 'Q1',
    envelope: { mailFrom: '', rcptTo: ['a@x', 'b@x'] }, recipients: [{ user: 'a@x', mailbox: 'INBOX' }, { user: 'b@x', mailbox: 'Lists' }],
    message: body,
  },
  { type: 'message.append', timestampMs: t, user: 'u@x', mailbox: 'Drafts', message: body, flags: ['\\Draft', '$Label1'], internalDateMs: -86_400_000.5 },
  { type: 'message.store', timestampMs: t, user: 'u@x', mailbox: 'INBOX', uids: [1, 2, 4_294_967_295], operation: 'replace', flags: [] },
  { type: 'message.store', timestampMs: t, user: 'u@x', mailbox: 'INBOX', uids: [3], operation: 'add', flags: ['\\Seen'], unchangedSince: 12345678901 },
  { type: 'message.copy', timestampMs: t, user: 'u@x', mailbox: 'INBOX', uids: [5, 6], target: 'Archive', move: true },
  { type: 'message.expunge', timestampMs: t, user: 'u@x', mailbox: 'INBOX' },
  { type: 'message.expunge', timestampMs: t, user: 'u@x', mailbox: 'INBOX', uids: [] },
  { type: 'user.quota', timestampMs: t, address: 'demo@example.test', quotaBytes: 5 * 2 ** 30 },
  { type: 'user.quota', timestampMs: t, address: 'demo@example.test' },
  {
    type: 'message.send', timestampMs: t, dedupeKey: 'k2', queueId: 'Q1', envelope: { mailFrom: '', rcptTo: ['u@x', 'r@elsewhere'] },
    recipients: [{ user: 'u@x', mailbox: 'INBOX' }], remote: ['r@elsewhere'], message: body,
  },
  {
    type: 'queue.attempt', timestampMs: t, queueId: 'Q1', recipients: ['r@elsewhere', 's@elsewhere'], outcomes: ['delivered', 'deferred'],
    replies: ['250 2.0.0 ok', '451 4.7.1 greylisted, ünïcode'], nextAttemptMs: t + 60_000,
  },
  { type: 'queue.retry', timestampMs: t },
  { type: 'queue.retry', timestampMs: t, queueId: 'Q1' },
  { type: 'queue.remove', timestampMs: t, queueId: 'Q1' },
  { type: 'review.rule.add', timestampMs: t, name: 'watch', from: '@elsewhere.test', direction: 'inbound', reviewers: ['boss@x'] },
  { type: 'review.rule.add', timestampMs: t, name: 'out', direction: 'outbound', reviewers: [] },
  { type: 'review.rule.remove', timestampMs: t, name: 'watch' },
  {
    type: 'message.hold', timestampMs: t, dedupeKey: 'k3', queueId: 'H1', envelope: { mailFrom: 'a@elsewhere', rcptTo: ['u@x', 'r@far'] },
    recipients: [{ user: 'u@x', mailbox: 'INBOX' }], remote: ['r@far'], rule: 'watch', message: body,
  },
  { type: 'review.approve', timestampMs: t, queueId: 'H1', reviewer: 'boss@x' },
  { type: 'review.reject', timestampMs: t, queueId: 'H1', reviewer: 'boss@x', reason: 'nope, ça non' },
  { type: 'archive.configure', timestampMs: t, enabled: true, retentionDays: 3650 },
  { type: 'archive.configure', timestampMs: t, enabled: false },
  { type: 'archive.hold.add', timestampMs: t, name: 'case-42', custodian: '@x', reason: 'litigation' },
  { type: 'archive.hold.remove', timestampMs: t, name: 'case-42' },
  { type: 'archive.expire', timestampMs: t, beforeMs: t - 86_400_000 * 365 },
];

function normalised(cmd: Command): unknown {
  // Byte fields decode as Uint8Array views; compare their contents.
  return JSON.parse(JSON.stringify(cmd, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)));
}

test('every sample command round-trips exactly', () => {
  for (const cmd of samples) {
    const decoded = decodeCommand(encodeCommand(cmd));
    assert.deepEqual(normalised(decoded), normalised(cmd), cmd.type);
    if ('message' in cmd) assert.ok(decoded.type === cmd.type && 'message' in decoded && decoded.message instanceof Uint8Array);
  }
});

test('a message body is carried raw: the encoding is the body plus a small header', () => {
  const big = Buffer.alloc(1024 * 1024, 0x41);
  const cmd: Command = { ...(samples[13] as Extract<Command, { type: 'message.deliver' }>), message: big };
  const bytes = encodeCommand(cmd);
  assert.ok(bytes.length > big.length && bytes.length < big.length + 200, `encoded ${bytes.length} bytes`);
  assert.ok(Buffer.from(bytes).includes(big));
});

test('truncated, extended or unknown encodings are refused with CommandCodecError', () => {
  const bytes = encodeCommand(samples[13]!);
  for (let cut = 0; cut < bytes.length; cut += 7) {
    assert.throws(() => decodeCommand(bytes.subarray(0, cut)), CommandCodecError, `cut at ${cut}`);
  }
  assert.throws(() => decodeCommand(Buffer.concat([bytes, Buffer.from([0])])), /trailing bytes/);
  const badVersion = Buffer.from(bytes); badVersion[0] = 9;
  assert.throws(() => decodeCommand(badVersion), /format version 9/);
  const badTag = Buffer.from(bytes); badTag[1] = 200;
  assert.throws(() => decodeCommand(badTag), /command tag 200/);
});

test('commands with wrongly typed fields cannot be encoded', () => {
  const bad: unknown[] = [
    { type: 'nope', timestampMs: t },
    { type: 'domain.add', timestampMs: 'now', domain: 'x' },
    { type: 'domain.add', timestampMs: t, domain: 5 },
    { type: 'message.store', timestampMs: t, user: 'u', mailbox: 'm', uids: [1.5], operation: 'add', flags: [] },
    { type: 'message.store', timestampMs: t, user: 'u', mailbox: 'm', uids: [-1], operation: 'add', flags: [] },
    { type: 'message.store', timestampMs: t, user: 'u', mailbox: 'm', uids: [1], operation: 'toggle', flags: [] },
    { type: 'message.append', timestampMs: t, user: 'u', mailbox: 'm', message: 'text', flags: [], internalDateMs: t },
    { type: 'mailbox.subscribe', timestampMs: t, user: 'u', mailbox: 'm', subscribed: 1 },
  ];
  for (const cmd of bad) assert.throws(() => encodeCommand(cmd as Command), CommandCodecError, JSON.stringify(cmd));
});
