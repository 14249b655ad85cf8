// Goal: a bounce is a well-formed RFC 6522 multipart/report with RFC 3464 fields, safe whatever the
// remote server said or the original held, and the same bytes for the same input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser, type ParsedMail } from 'mailparser';
import { limits } from '@tandem/config';
import { composeDsn, statusFromReply, type DsnInput, type DsnRecipient } from './delivery-status.js';

const arrivalMs = Date.UTC(2026, 0, 5, 7, 8, 9);
const original = Buffer.from('From: alice@example.test\r\nTo: bob@remote.test\r\nSubject: hello\r\n\r\nHi Bob.\r\n');
const bobFailed: DsnRecipient = {
  address: 'bob@remote.test', action: 'failed', status: '5.1.1', remoteMta: 'mx.remote.test',
  diagnostic: '550 5.1.1 <bob@remote.test>: user unknown', lastAttemptMs: Date.UTC(2026, 0, 5, 7, 9, 0),
};

function input(overrides: Partial<DsnInput> = {}): DsnInput {
  return {
    reportingMta: 'mail.example.test', postmaster: 'MAILER-DAEMON@mail.example.test', to: 'alice@example.test',
    queueId: 'Q7F3A', arrivalMs, dateMs: Date.UTC(2026, 0, 5, 8, 0, 0), messageId: 'dsn.Q7F3A@mail.example.test',
    recipients: [bobFailed], original, ...overrides,
  };
}

interface Part { headers: Map<string, string>; body: Buffer }

/** The report's parts, cut at its boundary (RFC 2046 §5.1.1), each with its unfolded header fields. */
function partsOf(raw: Buffer, boundary: string): Part[] {
  const close = raw.indexOf(`\r\n--${boundary}--\r\n`);
  assert.ok(close > 0, 'closing delimiter');
  assert.equal(close + `\r\n--${boundary}--\r\n`.length, raw.length, 'nothing after the closing delimiter');
  const delimiter = `\r\n--${boundary}\r\n`;
  const parts: Part[] = [];
  let at = raw.indexOf(delimiter);
  while (at >= 0 && at < close) {
    const start = at + delimiter.length;
    const next = raw.indexOf(delimiter, start);
    const end = next >= 0 ? next : close;
    const headerEnd = raw.indexOf('\r\n\r\n', start);
    const headers = new Map<string, string>();
    for (const field of raw.toString('utf8', start, headerEnd).split(/\r\n(?![ \t])/)) {
      const colon = field.indexOf(':');
      headers.set(field.slice(0, colon).toLowerCase(), field.slice(colon + 1).replace(/\r\n/g, '').trim());
    }
    parts.push({ headers, body: raw.subarray(headerEnd + 4, end) });
    at = next;
  }
  return parts;
}

async function report(raw: Buffer): Promise<{ mail: ParsedMail; parts: Part[]; boundary: string }> {
  const mail = await simpleParser(raw);
  const type = mail.headers.get('content-type') as { value: string; params: Record<string, string> };
  assert.equal(type.value, 'multipart/report');
  assert.equal(type.params['report-type'], 'delivery-status');
  const boundary = type.params['boundary']!;
  const parts = partsOf(raw, boundary);
  const types = parts.map((part) => part.headers.get('content-type')?.split(';')[0]);
  // RFC 6522 §3: human text, then the report, then the original or its header section.
  assert.equal(types.length, 3);
  assert.deepEqual(types.slice(0, 2), ['text/plain', 'message/delivery-status']);
  assert.ok(types[2] === 'message/rfc822' || types[2] === 'text/rfc822-headers', types[2]);
  return { mail, parts, boundary };
}

/** The delivery-status part as its blocks (RFC 3464 §2.1), each a list of field lines. */
function statusBlocks(part: Part): string[][] {
  const text = part.body.toString('ascii');
  assert.ok(text.endsWith('\r\n') && !text.endsWith('\r\n\r\n'));
  return text.slice(0, -2).split('\r\n\r\n').map((block) => block.split(/\r\n(?![ \t])/));
}

test('one failed recipient: headers, three parts, RFC 3464 fields, the original whole', async () => {
  const raw = composeDsn(input());
  const { mail, parts } = await report(raw);
  assert.equal(mail.subject, 'Undelivered Mail Returned to Sender');
  assert.deepEqual(mail.from?.value, [{ name: 'Mail Delivery System', address: 'MAILER-DAEMON@mail.example.test' }]);
  assert.deepEqual((Array.isArray(mail.to) ? mail.to[0] : mail.to)?.value, [{ name: '', address: 'alice@example.test' }]);
  assert.equal(mail.messageId, '<dsn.Q7F3A@mail.example.test>');
  assert.equal(mail.date?.getTime(), Date.UTC(2026, 0, 5, 8, 0, 0));
  assert.equal(mail.headers.get('auto-submitted'), 'auto-replied');
  assert.equal(mail.headers.get('mime-version'), '1.0');
  assert.equal(mail.headers.get('content-transfer-encoding'), '7bit');

  assert.equal(parts[0]!.headers.get('content-type'), 'text/plain; charset=us-ascii');
  const human = parts[0]!.body.toString();
  for (const expected of ['<bob@remote.test>: failed, status 5.1.1', 'mx.remote.test said: 550 5.1.1 <bob@remote.test>: user unknown', 'Queue ID: Q7F3A']) {
    assert.ok(human.includes(expected), `human text has ${JSON.stringify(expected)}`);
  }
  assert.equal(parts[1]!.body.toString(),
    'Reporting-MTA: dns; mail.example.test\r\n' +
    'Arrival-Date: Mon, 5 Jan 2026 07:08:09 +0000\r\n' +
    '\r\n' +
    'Final-Recipient: rfc822; bob@remote.test\r\n' +
    'Action: failed\r\n' +
    'Status: 5.1.1\r\n' +
    'Remote-MTA: dns; mx.remote.test\r\n' +
    'Diagnostic-Code: smtp; 550 5.1.1 <bob@remote.test>: user unknown\r\n' +
    'Last-Attempt-Date: Mon, 5 Jan 2026 07:09:00 +0000\r\n');
  assert.equal(parts[2]!.headers.get('content-type'), 'message/rfc822');
  assert.equal(parts[2]!.headers.get('content-transfer-encoding'), '7bit');
  assert.deepEqual(parts[2]!.body, original);
  const attached = mail.attachments.find((a) => a.contentType === 'message/rfc822');
  assert.deepEqual(attached?.content, original);
});

test('only delayed recipients: the delay subject, Will-Retry-Until, and "no need to resend"', async () => {
  const raw = composeDsn(input({ recipients: [{ address: 'carol@remote.test', action: 'delayed', status: '4.4.1', lastAttemptMs: arrivalMs + 60_000 }] }));
  const { mail, parts } = await report(raw);
  assert.equal(mail.subject, 'Delayed Mail (still being retried)');
  const retryUntil = new Date(arrivalMs + limits.outboundQueueLifetimeMs).toUTCString().replace(/ 0(\d) /, ' $1 ').replace('GMT', '+0000');
  const human = parts[0]!.body.toString().replace(/\r\n/g, ' ');
  assert.ok(human.includes(`keep trying until ${retryUntil}`), human);
  assert.ok(human.includes('you do not need to send the message again'), human);
  assert.ok(!human.includes('given up'), human);
  assert.deepEqual(statusBlocks(parts[1]!)[1], [
    'Final-Recipient: rfc822; carol@remote.test', 'Action: delayed', 'Status: 4.4.1',
    'Last-Attempt-Date: Mon, 5 Jan 2026 07:09:09 +0000', `Will-Retry-Until: ${retryUntil}`,
  ]);
});

test('several recipients: one block each, in order, one blank line apart; failures decide the subject', async () => {
  const recipients: DsnRecipient[] = [
    bobFailed,
    { address: 'carol@remote.test', action: 'delayed', status: '4.2.2', diagnostic: '452 4.2.2 mailbox full', remoteMta: 'mx.remote.test' },
    { address: 'dave@gone.test', action: 'failed', status: '4.4.7' },
  ];
  const { mail, parts } = await report(composeDsn(input({ recipients })));
  assert.equal(mail.subject, 'Undelivered Mail Returned to Sender');
  const blocks = statusBlocks(parts[1]!);
  assert.equal(blocks.length, 4);
  assert.deepEqual(blocks[0], ['Reporting-MTA: dns; mail.example.test', 'Arrival-Date: Mon, 5 Jan 2026 07:08:09 +0000']);
  assert.deepEqual(blocks.slice(1).map((block) => block.slice(0, 3)), [
    ['Final-Recipient: rfc822; bob@remote.test', 'Action: failed', 'Status: 5.1.1'],
    ['Final-Recipient: rfc822; carol@remote.test', 'Action: delayed', 'Status: 4.2.2'],
    ['Final-Recipient: rfc822; dave@gone.test', 'Action: failed', 'Status: 4.4.7'],
  ]);
  assert.ok(blocks[2]!.includes('Diagnostic-Code: smtp; 452 4.2.2 mailbox full'));
  assert.deepEqual(blocks[3], ['Final-Recipient: rfc822; dave@gone.test', 'Action: failed', 'Status: 4.4.7']);
  const human = parts[0]!.body.toString();
  assert.ok(human.indexOf('<bob@remote.test>') < human.indexOf('<dave@gone.test>'));
  assert.ok(human.indexOf('<dave@gone.test>') < human.indexOf('keep trying'), 'failures first, then delays');
  assert.ok(human.indexOf('keep trying') < human.indexOf('<carol@remote.test>'));
});

test('statusFromReply: enhanced code when it agrees with the reply code, else class.0.0, else 4.0.0', () => {
  const cases: Array<[string, string]> = [
    ['550 5.1.1 <x@y>: user unknown', '5.1.1'],
    ['550-5.7.1 first line\r\n550 5.7.1 second line', '5.7.1'],
    ['452 4.2.2 mailbox full', '4.2.2'],
    ['554 5.123.456 odd but valid', '5.123.456'],
    ['550 blah', '5.0.0'],
    ['550', '5.0.0'],
    ['451 x', '4.0.0'],
    ['550 4.1.1 class disagrees with the reply code', '5.0.0'],
    ['450 5.1.1 class disagrees with the reply code', '4.0.0'],
    ['550 5.1.1x glued text is not an enhanced code', '5.0.0'],
    ['550 5.1234.1 too many digits', '5.0.0'],
    ['5500 5.1.1 four digits', '4.0.0'],
    ['250 2.0.0 ok', '4.0.0'],
    ['garbage', '4.0.0'],
    ['', '4.0.0'],
  ];
  for (const [reply, status] of cases) assert.equal(statusFromReply(reply), status, JSON.stringify(reply));
});

test('a long, garbage diagnostic is sanitised, folded and cut: no line over 998 octets, no injected field', async () => {
  const garbage = '550 5.1.1 bad\r\nX-Injected: yes\0\x1b[31m ünïcode\n' + 'word '.repeat(100) + 'x'.repeat(3000);
  const raw = composeDsn(input({ recipients: [{ ...bobFailed, diagnostic: garbage, remoteMta: 'mx.remote.test\r\nX-Evil: 1' }] }));
  for (const line of raw.toString('latin1').split('\r\n')) assert.ok(line.length <= 998, `line of ${line.length} octets`);
  const { parts } = await report(raw);
  const block = statusBlocks(parts[1]!)[1]!;
  const diagnostic = block.find((field) => field.startsWith('Diagnostic-Code:'))!;
  assert.ok(diagnostic.includes('\r\n '), 'folded');
  const unfolded = diagnostic.replace(/\r\n(?=[ \t])/g, '');
  assert.ok(unfolded.length <= 998, `unfolded ${unfolded.length}`);
  assert.ok(unfolded.startsWith('Diagnostic-Code: smtp; 550 5.1.1 bad X-Injected: yes??[31m ?n?code word word'), unfolded.slice(0, 100));
  assert.ok(unfolded.endsWith('x...'));
  assert.match(unfolded, /^[\x20-\x7e]*$/);
  assert.ok(block.includes('Remote-MTA: dns; mx.remote.test??X-Evil:?1'));
  assert.ok(!block.some((field) => field.startsWith('X-')));
  assert.ok(!/\r\nX-(Injected|Evil)/.test(raw.toString('latin1')));
});

test('an original over limits.outboundDsnOriginalBytesMax: only its header section, as text/rfc822-headers', async () => {
  const headerSection = 'From: alice@example.test\r\nSubject: big\r\n';
  const big = Buffer.concat([Buffer.from(`${headerSection}\r\n`), Buffer.alloc(limits.outboundDsnOriginalBytesMax, 'a')]);
  const { mail, parts } = await report(composeDsn(input({ original: big })));
  assert.equal(parts[2]!.headers.get('content-type'), 'text/rfc822-headers');
  assert.equal(parts[2]!.body.toString(), headerSection);
  assert.equal(mail.attachments.find((a) => a.contentType === 'text/rfc822-headers')?.content.toString(), headerSection);
  assert.ok(parts[0]!.body.toString().replace(/\r\n/g, ' ').includes(`over the ${limits.outboundDsnOriginalBytesMax}-byte limit`));

  const bodyBytes = limits.outboundDsnOriginalBytesMax - headerSection.length - 2;
  const body = Buffer.alloc(bodyBytes, 'a');
  for (let at = 98; at + 1 < bodyBytes; at += 100) body.write('\r\n', at); // 100-octet lines
  const exactly = Buffer.concat([Buffer.from(`${headerSection}\r\n`), body]);
  assert.equal(exactly.length, limits.outboundDsnOriginalBytesMax);
  const atLimit = await report(composeDsn(input({ original: exactly })));
  assert.equal(atLimit.parts[2]!.headers.get('content-type'), 'message/rfc822', 'the limit itself is still whole');
  assert.deepEqual(atLimit.parts[2]!.body, exactly);
});

test('an original that cannot travel as 8bit (a line over 998 octets, a NUL) goes as its header section', async () => {
  for (const body of ['y'.repeat(999), 'a\0b']) {
    const { parts } = await report(composeDsn(input({ original: Buffer.from(`Subject: odd\r\nX-Nul: a\0b\r\n\r\n${body}\r\n`) })));
    assert.equal(parts[2]!.headers.get('content-type'), 'text/rfc822-headers');
    assert.equal(parts[2]!.body.toString(), 'Subject: odd\r\nX-Nul: a?b\r\n');
  }
  const longHeader = await report(composeDsn(input({ original: Buffer.from(`X-Long: ${'z'.repeat(2000)}\r\n\r\nhi\r\n`) })));
  assert.equal(longHeader.parts[2]!.body.toString(), `X-Long: ${'z'.repeat(990)}\r\n`);
  const justFits = Buffer.from(`Subject: fits\r\n\r\n${'y'.repeat(998)}\r\n`);
  assert.deepEqual((await report(composeDsn(input({ original: justFits })))).parts[2]!.body, justFits);
});

test('an 8-bit original is labelled 8bit on the message/rfc822 part and the whole report', async () => {
  const eightBit = Buffer.from('From: alice@example.test\r\nSubject: café\r\n\r\nCrème brûlée.\r\n', 'utf8');
  const raw = composeDsn(input({ original: eightBit }));
  const { mail, parts } = await report(raw);
  assert.equal(parts[2]!.headers.get('content-type'), 'message/rfc822');
  assert.equal(parts[2]!.headers.get('content-transfer-encoding'), '8bit');
  assert.equal(mail.headers.get('content-transfer-encoding'), '8bit');
  assert.deepEqual(parts[2]!.body, eightBit);
  assert.equal(parts[0]!.headers.get('content-transfer-encoding'), '7bit');
  assert.equal(parts[1]!.headers.get('content-transfer-encoding'), '7bit');
});

test('a UTF-8 recipient: utf-8 address type in RFC 6533 xtext (the status part stays ASCII), UTF-8 in the human text', async () => {
  const { parts } = await report(composeDsn(input({ recipients: [{ ...bobFailed, address: 'jörg+x@bücher.test' }] })));
  assert.equal(statusBlocks(parts[1]!)[1]![0], 'Final-Recipient: utf-8; j\\x{F6}rg\\x{2B}x@b\\x{FC}cher.test');
  assert.equal(parts[0]!.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.equal(parts[0]!.headers.get('content-transfer-encoding'), '8bit');
  assert.ok(parts[0]!.body.toString('utf8').includes('<jörg+x@bücher.test>: failed'));
});

test('deterministic: the same input gives the same bytes; the boundary follows the Message-ID', async () => {
  const first = composeDsn(input());
  assert.deepEqual(composeDsn(input({ original: Buffer.from(original), recipients: [{ ...bobFailed }] })), first);
  const other = await report(composeDsn(input({ messageId: '<dsn.other@mail.example.test>' })));
  assert.notEqual(other.boundary, (await report(first)).boundary);
  assert.equal(other.mail.messageId, '<dsn.other@mail.example.test>');
});

test('a boundary that occurs in the original is not used', async () => {
  const { boundary } = await report(composeDsn(input()));
  const trap = Buffer.from(`Subject: trap\r\n\r\n--${boundary}\r\nContent-Type: text/plain\r\n\r\n--${boundary}--\r\n`);
  const { parts, boundary: chosen } = await report(composeDsn(input({ original: trap })));
  assert.notEqual(chosen, boundary);
  assert.deepEqual(parts[2]!.body, trap);
});

test('CRLF only: bare LF and bare CR in the original become CRLF, and nothing else has a bare one', async () => {
  const inputs = [
    input({ original: Buffer.from('Subject: unix\n\nline one\nline two\rline three\n') }),
    input({ recipients: [{ ...bobFailed, diagnostic: '550 a\nb\rc\r\n' }] }),
    input({ original: Buffer.concat([Buffer.from('Subject: big\n'), Buffer.alloc(limits.outboundDsnOriginalBytesMax, '\n')]) }),
  ];
  for (const dsn of inputs) {
    const raw = composeDsn(dsn).toString('latin1');
    assert.ok(!/\r(?!\n)|(?<!\r)\n/.test(raw), 'a bare CR or LF');
    assert.ok(raw.endsWith('\r\n'));
  }
  const { parts } = await report(composeDsn(inputs[0]!));
  assert.equal(parts[2]!.body.toString(), 'Subject: unix\r\n\r\nline one\r\nline two\r\nline three\r\n');
});

test('an impossible status or an empty recipient list is a caller bug: it throws', () => {
  assert.throws(() => composeDsn(input({ recipients: [{ ...bobFailed, status: '5.1' }] })));
  assert.throws(() => composeDsn(input({ recipients: [{ ...bobFailed, status: '2.0.0' }] })));
  assert.throws(() => composeDsn(input({ recipients: [{ ...bobFailed, action: 'delayed', status: '5.1.1' }] })));
  assert.throws(() => composeDsn(input({ recipients: [] })));
  assert.throws(() => composeDsn(input({ to: '' })));
});
