// Goal: the trace fields follow RFC 5321 §4.4 exactly and cannot be used for header injection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rfc5322Date, traceHeaders } from './trace-headers.js';
import { dedupeKey } from './dedupe-key.js';

test('Return-Path and Received for one recipient, IPv4', () => {
  const text = traceHeaders({
    mailFrom: 'alice@elsewhere.test', heloName: 'client.elsewhere.test', remoteAddress: '192.0.2.7',
    hostname: 'mx.example.test', protocol: 'ESMTPS', queueId: 'Q1', rcptTo: ['demo@example.test'], timestampMs: Date.UTC(2026, 0, 5, 7, 8, 9),
  }).toString();
  assert.equal(text,
    'Return-Path: <alice@elsewhere.test>\r\n' +
    'Received: from client.elsewhere.test ([192.0.2.7])\r\n' +
    '\tby mx.example.test with ESMTPS id Q1\r\n\tfor <demo@example.test>;\r\n' +
    '\tMon, 5 Jan 2026 07:08:09 +0000\r\n');
});

test('null sender, IPv6, several recipients (no "for"), control characters neutralised', () => {
  const text = traceHeaders({
    mailFrom: '', heloName: 'evil\r\nX-Injected: 1', remoteAddress: '::1',
    hostname: 'mx.example.test', protocol: 'ESMTP', queueId: 'Q2', rcptTo: ['a@example.test', 'b@example.test'], timestampMs: 0,
  }).toString();
  assert.equal(text,
    'Return-Path: <>\r\n' +
    'Received: from evil??X-Injected: 1 ([IPv6:::1])\r\n' +
    '\tby mx.example.test with ESMTP id Q2;\r\n' +
    '\tThu, 1 Jan 1970 00:00:00 +0000\r\n');
});

test('RFC 5322 date pads time fields but not the day', () => {
  assert.equal(rfc5322Date(Date.UTC(2003, 6, 1, 10, 52, 37)), 'Tue, 1 Jul 2003 10:52:37 +0000');
});

test('dedupe key: same envelope and bytes give the same key; any change gives another', () => {
  const message = Buffer.from('Subject: x\r\n\r\nhi\r\n');
  const key = dedupeKey({ mailFrom: 'a@x.test', rcptTo: ['b@y.test'] }, message);
  assert.equal(key, dedupeKey({ mailFrom: 'a@x.test', rcptTo: ['b@y.test'] }, Buffer.from(message)));
  assert.notEqual(key, dedupeKey({ mailFrom: 'a@x.test', rcptTo: ['c@y.test'] }, message));
  assert.notEqual(key, dedupeKey({ mailFrom: 'a@x.test', rcptTo: ['b@y.test'] }, Buffer.from('Subject: x\r\n\r\nhi!\r\n')));
  assert.notEqual(dedupeKey({ mailFrom: 'a', rcptTo: ['b,c'] }, message), dedupeKey({ mailFrom: 'a', rcptTo: ['b', 'c'] }, message));
  assert.match(key, /^[0-9a-f]{64}$/);
});
