// Goal: IMAP date and date-time strings parse strictly and INTERNALDATE formats exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareDates, dateOf, formatDateTime, parseDateText, parseDateTimeText } from './imap-date.js';

test('date-text: d-Mon-yyyy, month case-insensitive, real dates only', () => {
  assert.deepEqual(parseDateText('1-Feb-2024'), { year: 2024, month: 2, day: 1 });
  assert.deepEqual(parseDateText('29-feb-2024'), { year: 2024, month: 2, day: 29 });
  assert.equal(parseDateText('29-Feb-2023'), null);
  assert.equal(parseDateText('1-Foo-2024'), null);
  assert.equal(parseDateText('1-Feb-24'), null);
  assert.equal(parseDateText('001-Feb-2024'), null);
});

test('date-time: fixed day, time and zone (RFC 9051 §9)', () => {
  assert.deepEqual(parseDateTimeText(' 7-Feb-1994 21:52:25 -0800'), { epochMs: Date.UTC(1994, 1, 8, 5, 52, 25), zoneMinutes: -480 });
  assert.deepEqual(parseDateTimeText('17-Jul-1996 02:44:25 +0530'), { epochMs: Date.UTC(1996, 6, 16, 21, 14, 25), zoneMinutes: 330 });
  assert.equal(parseDateTimeText('7-Feb-1994 21:52:25 -0800'), null, 'the day is two characters');
  assert.equal(parseDateTimeText('07-Feb-1994 24:00:00 +0000'), null);
  assert.equal(parseDateTimeText('07-Feb-1994 21:52:25 -0860'), null);
  assert.equal(parseDateTimeText('07-Feb-1994 21:52:25'), null);
});

test('INTERNALDATE formatting in a zone', () => {
  assert.equal(formatDateTime(Date.UTC(2024, 0, 1)), '01-Jan-2024 00:00:00 +0000');
  assert.equal(formatDateTime(Date.UTC(1994, 1, 8, 5, 52, 25), -480), '07-Feb-1994 21:52:25 -0800');
  assert.equal(formatDateTime(Date.UTC(1996, 6, 16, 21, 14, 25), 330), '17-Jul-1996 02:44:25 +0530');
});

test('calendar dates of instants compare by day', () => {
  assert.deepEqual(dateOf(Date.UTC(2024, 0, 1, 23, 30), 60), { year: 2024, month: 1, day: 2 });
  assert.ok(compareDates({ year: 2024, month: 1, day: 2 }, { year: 2024, month: 2, day: 1 }) < 0);
  assert.equal(compareDates({ year: 2024, month: 1, day: 2 }, { year: 2024, month: 1, day: 2 }), 0);
});
