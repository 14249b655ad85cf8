// Goal: the daemon↔guard line protocol round-trips every message and refuses anything else.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatGuardCommand, formatGuardEvent, parseGuardCommand, parseGuardEvent, type VipGuardCommand, type VipGuardEvent } from './vip-guard-protocol.js';

test('commands round-trip through format and parse', () => {
  const commands: VipGuardCommand[] = [
    { type: 'acquire' },
    { type: 'renew', leaseDeadlineMs: undefined },
    { type: 'renew', leaseDeadlineMs: 123456.789 },
    { type: 'garp' },
    { type: 'release' },
  ];
  for (const command of commands) {
    const line = formatGuardCommand(command);
    assert.ok(line.endsWith('\n'));
    assert.deepEqual(parseGuardCommand(line.trimEnd()), command, line);
  }
});

test('parseGuardCommand: garbage, extra words and non-numeric deadlines are not commands', () => {
  for (const line of ['', 'hold', 'renew soon', 'renew -5', 'renew 1e9', 'renew 5 6', 'release now', 'acquire 1', 'RENEW']) {
    assert.equal(parseGuardCommand(line), undefined, line);
  }
});

test('events round-trip; a failure message is folded onto one line', () => {
  const events: VipGuardEvent[] = [
    { type: 'ready' },
    { type: 'held' },
    { type: 'released', reason: 'lease-expired' },
    { type: 'released', reason: 'parent-gone' },
    { type: 'failed', stage: 'add', message: 'ip exited with 2' },
  ];
  for (const event of events) assert.deepEqual(parseGuardEvent(formatGuardEvent(event).trimEnd()), event);
  const folded = formatGuardEvent({ type: 'failed', stage: 'remove', message: 'line one\nline two\n' });
  assert.equal(folded, 'failed remove line one line two\n');
});

test('parseGuardEvent: unknown reasons and verbs are not events', () => {
  for (const line of ['released', 'released sometime', 'held now', 'failed delete x', 'hello']) {
    assert.equal(parseGuardEvent(line), undefined, line);
  }
});
