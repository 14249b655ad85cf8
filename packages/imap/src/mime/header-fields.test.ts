// Goal: SEARCH/SORT header helpers decode, collect every occurrence and compute RFC 5256/5957 sort keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addressSearchText, decodedHeaderValue, decodedHeaderValues, displayAddressKey, headerAddresses, sentDate, sortAddressKey, sortSubjectKey,
} from './header-fields.js';
import { parseHeaderBlock } from './header-block.js';

const buf = Buffer.from([
  'From: =?UTF-8?Q?J=C3=B6rg?= <Joerg@Example.org>', 'To: a@x', 'To: "Bea" <b@y>', 'Subject: Re: [list] =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=',
  'Date: Tue, 12 Nov 2013 09:12:42 -0500', 'X-Tag: one', 'X-Tag: two', '', 'body',
].join('\r\n'), 'latin1');
const header = parseHeaderBlock(buf, 0);

test('decoded values: the first for SORT, all for SEARCH HEADER', () => {
  assert.equal(decodedHeaderValue(buf, header, 'subject'), 'Re: [list] Grüße');
  assert.deepEqual(decodedHeaderValues(buf, header, 'x-tag'), ['one', 'two']);
  assert.equal(decodedHeaderValue(buf, header, 'cc'), null);
});

test('addresses across repeated fields, and the text SEARCH FROM/TO match against', () => {
  const to = headerAddresses(buf, header, 'to');
  assert.equal(to.length, 2);
  assert.equal(addressSearchText(to), '<a@x>, Bea <b@y>');
  assert.equal(addressSearchText(headerAddresses(buf, header, 'from')), 'Jörg <Joerg@Example.org>');
});

test('sort keys: addr-mailbox (RFC 5256), display name (RFC 5957), base subject', () => {
  const from = headerAddresses(buf, header, 'from');
  assert.equal(sortAddressKey(from), 'joerg');
  assert.equal(displayAddressKey(from), 'jörg');
  assert.equal(displayAddressKey(headerAddresses(buf, header, 'to')), 'a@x');
  assert.equal(sortAddressKey([]), '');
  assert.equal(sortSubjectKey(buf, header), 'grüße');
});

test('sent date', () => {
  assert.equal(new Date(sentDate(buf, header)!.epochMs).toISOString(), '2013-11-12T14:12:42.000Z');
});
