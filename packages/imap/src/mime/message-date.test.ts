// Goal: Date headers parse in their RFC 5322 and obsolete forms for SENT* and SORT DATE; garbage gives null.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessageDate } from './message-date.js';

const cases: Array<[string, string | null, number]> = [
  // [header value, expected UTC ISO instant, zone minutes]
  ['Wed, 17 Jul 1996 02:23:25 -0700 (PDT)', '1996-07-17T09:23:25.000Z', -420],
  ['Fri, 23 Aug 2002 2:32:53 -0400', '2002-08-23T06:32:53.000Z', -240],
  ['Sun, 7 May 95 16:21:03 GMT', '1995-05-07T16:21:03.000Z', 0],
  ['Thu, 8 Mar 2005 17:40:36 EDT', '2005-03-08T21:40:36.000Z', -240],
  ['Wed, 20 Sep 1995 00:19:00 (EDT) -0400', '1995-09-20T04:19:00.000Z', -240],
  ['1 Jan 2024 00:00 +0100', '2023-12-31T23:00:00.000Z', 60],
  ['Wed, 03 Aug 2011 17:43:19 -0000', '2011-08-03T17:43:19.000Z', 0],
  ['Mon, 1 Jan 49 00:00:00 +0000', '2049-01-01T00:00:00.000Z', 0],
  ['Mon, 1 Jan 50 00:00:00 +0000', '1950-01-01T00:00:00.000Z', 0],
  ['Tue, 12 Nov 2013 09:12:42 Z', '2013-11-12T09:12:42.000Z', 0],
  ['not a date', null, 0],
  ['32 Jan 2024 00:00:00 +0000', null, 0],
  ['', null, 0],
];

for (const [value, iso, zone] of cases) {
  test(`Date: ${JSON.stringify(value)}`, () => {
    const date = parseMessageDate(value);
    if (iso === null) {
      assert.equal(date, null);
      return;
    }
    assert.ok(date);
    assert.equal(new Date(date.epochMs).toISOString(), iso);
    assert.equal(date.zoneMinutes, zone);
  });
}

test('the local calendar date is kept for SENTON (RFC 9051 §6.4.4 ignores the zone)', () => {
  const date = parseMessageDate('Mon, 1 Jan 2024 23:30:00 -0500');
  assert.deepEqual(date && [date.year, date.month, date.day], [2024, 1, 1]);
});
