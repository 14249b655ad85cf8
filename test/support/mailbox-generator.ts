/**
 * A seeded, realistic mailbox for the IMAP bench (bench/imap.ts) and the mbsync test: the same
 * seed gives the same bytes, so Tandem and Dovecot serve byte-identical messages.
 *
 * Realistic means what a company inbox holds: sizes spread log-uniformly over 1–50 KB; plain
 * text (7bit and quoted-printable), multipart/alternative (text + HTML) and multipart/mixed with
 * base64 attachments; a few hundred correspondents, To/Cc lists, replies with In-Reply-To and
 * References, list mail with List-Id, RFC 2047 encoded subjects and display names, and system
 * flags on most of it. Lines end in CRLF (RFC 5322 §2.1), as stored by both servers.
 *
 * `searchWord` occurs only in the text bodies of the messages marked `hasSearchWord` (never in a
 * header, never inside base64), so SEARCH TEXT finds exactly those.
 */
import { SeededRandom } from './seeded-random.js';

export interface GeneratedMessage {
  bytes: Buffer;
  internalDateMs: number;
  /** IMAP system flags, e.g. ["\\Seen", "\\Answered"]. */
  flags: string[];
  hasSearchWord: boolean;
  messageId: string;
}

export interface MailboxSpec {
  seed: number;
  count: number;
  /** Fraction of messages whose body carries searchWord. */
  searchWordRate?: number;
  sizeBytesMin?: number;
  sizeBytesMax?: number;
}

/** Not an English word and not in the vocabulary below, so it matches only where it was put. */
export const searchWord = 'quetzalcoatlus';

const firstNames = ['Anna', 'Bernd', 'Chloé', 'David', 'Eva', 'François', 'Greta', 'Hiroshi', 'Ines', 'Jürgen', 'Kasia', 'Lars',
  'María', 'Nils', 'Olga', 'Pierre', 'Qing', 'Rafael', 'Søren', 'Tomás', 'Ursula', 'Viktor', 'Wen', 'Xavier', 'Yusuf', 'Zoë'];
const lastNames = ['Andersen', 'Brown', 'Castillo', 'Dubois', 'Eriksson', 'Fischer', 'García', 'Hansen', 'Ito', 'Jensen',
  'Kowalski', 'Lindqvist', 'Müller', 'Nakamura', 'O\'Brien', 'Petrov', 'Quinn', 'Rossi', 'Schmidt', 'Tanaka'];
const domains = ['example.test', 'partner.example', 'supplier.example.org', 'customer.example.net', 'lists.example.com'];
const vocabulary = ('the quarterly report budget meeting agenda invoice contract review deadline project team customer ' +
  'release server backup network update schedule proposal draft minutes action items follow up please thanks regards ' +
  'attached document version feedback approval design sprint planning deployment incident ticket priority estimate ' +
  'office travel expense holiday training workshop launch marketing sales revenue forecast hiring onboarding policy ' +
  'security audit compliance vendor shipment order delivery warehouse inventory support escalation resolved pending')
  .split(' ');
const accentedWords = ['café', 'Grüße', 'naïve', 'résumé', 'Ångström', 'façade', 'señor', 'Zürich', 'Malmö', 'Øresund'];
const subjects = ['Quarterly report', 'Budget for next year', 'Meeting notes', 'Invoice', 'Contract renewal', 'Release plan',
  'Server maintenance window', 'Travel expenses', 'Training schedule', 'Customer escalation', 'Sprint planning',
  'Security audit findings', 'Shipment delayed', 'Holiday calendar', 'Design review', 'Offsite agenda'];
const attachmentKinds = [
  { type: 'application/pdf', ext: 'pdf' }, { type: 'image/png', ext: 'png' }, { type: 'image/jpeg', ext: 'jpg' },
  { type: 'application/zip', ext: 'zip' }, { type: 'text/csv', ext: 'csv' },
  { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', ext: 'xlsx' },
];
const lists = ['dev.lists.example.com', 'announce.lists.example.com', 'ops.lists.example.com'];

interface Person { name: string; address: string }

export function generateMailbox(spec: MailboxSpec): GeneratedMessage[] {
  const random = new SeededRandom(spec.seed);
  const people = makePeople(random, 300);
  const sizeMin = spec.sizeBytesMin ?? 1024;
  const sizeMax = spec.sizeBytesMax ?? 50 * 1024;
  const wordRate = spec.searchWordRate ?? 0.01;
  const startMs = Date.UTC(2024, 0, 1);
  const spanMs = 2 * 365 * 86_400_000;
  const out: GeneratedMessage[] = [];
  for (let i = 0; i < spec.count; i++) {
    // Time grows with the index (with jitter inside each slot), as in a real INBOX.
    const dateMs = startMs + Math.floor(((i + random.next()) / spec.count) * spanMs / 1000) * 1000;
    const sizeBytes = Math.round(sizeMin * Math.pow(sizeMax / sizeMin, random.next()));
    const hasSearchWord = random.next() < wordRate;
    const previous = out.length > 0 && random.next() < 0.3 ? out[random.int(Math.max(0, out.length - 50), out.length - 1)] : undefined;
    const built = buildMessage(random, { index: i, dateMs, sizeBytes, hasSearchWord, people, inReplyTo: previous?.messageId });
    out.push({ bytes: built.bytes, internalDateMs: dateMs + random.int(1, 120) * 1000, flags: pickFlags(random, i, spec.count), hasSearchWord, messageId: built.messageId });
  }
  return out;
}

function makePeople(random: SeededRandom, count: number): Person[] {
  const people: Person[] = [];
  for (let i = 0; i < count; i++) {
    const first = pick(random, firstNames);
    const last = pick(random, lastNames);
    const local = `${ascii(first)}.${ascii(last)}${i}`.toLowerCase().replace(/[^a-z0-9.]/g, '');
    people.push({ name: `${first} ${last}`, address: `${local}@${pick(random, domains)}` });
  }
  return people;
}

/** Older mail is mostly read; the newest tenth mostly unread. */
function pickFlags(random: SeededRandom, index: number, count: number): string[] {
  const flags: string[] = [];
  const recent = index >= count * 0.9;
  if (random.next() < (recent ? 0.2 : 0.85)) flags.push('\\Seen');
  if (random.next() < 0.1) flags.push('\\Answered');
  if (random.next() < 0.05) flags.push('\\Flagged');
  return flags;
}

interface BuildInput {
  index: number; dateMs: number; sizeBytes: number; hasSearchWord: boolean; people: Person[]; inReplyTo: string | undefined;
}

function buildMessage(random: SeededRandom, input: BuildInput): { bytes: Buffer; messageId: string } {
  const from = pick(random, input.people);
  const to = Array.from({ length: random.int(1, 3) }, () => pick(random, input.people));
  const cc = random.next() < 0.3 ? Array.from({ length: random.int(1, 4) }, () => pick(random, input.people)) : [];
  const list = random.next() < 0.15 ? pick(random, lists) : undefined;
  const messageId = `<${input.index}.${random.int(100000, 999999)}@${from.address.split('@')[1]}>`;
  let subject = `${pick(random, subjects)} ${random.int(1, 400)}`;
  if (random.next() < 0.1) subject += ` – ${pick(random, accentedWords)}`;
  if (input.inReplyTo) subject = `${random.next() < 0.8 ? 'Re' : 'Fwd'}: ${subject}`;
  const headers = [
    `Return-Path: <${from.address}>`,
    ...Array.from({ length: random.int(1, 3) }, (_, hop) =>
      `Received: from mx${hop}.${from.address.split('@')[1]} (mx${hop}.example [192.0.2.${random.int(1, 254)}])\r\n\tby mail.example.test with ESMTPS id ${random.int(1e8, 9e8).toString(36)}\r\n\tfor <${to[0]!.address}>; ${rfc5322Date(input.dateMs + (3 - hop) * 1000)}`),
    `Date: ${rfc5322Date(input.dateMs)}`,
    `From: ${mailbox(from)}`,
    `To: ${to.map(mailbox).join(',\r\n ')}`,
    ...(cc.length > 0 ? [`Cc: ${cc.map(mailbox).join(',\r\n ')}`] : []),
    `Subject: ${headerText(subject)}`,
    `Message-ID: ${messageId}`,
    ...(input.inReplyTo ? [`In-Reply-To: ${input.inReplyTo}`, `References: ${input.inReplyTo}`] : []),
    ...(list ? [`List-Id: <${list}>`, `List-Unsubscribe: <mailto:unsubscribe@${list}>`] : []),
    ...(random.next() < 0.4 ? [`X-Mailer: ${pick(random, ['Thunderbird 115.6', 'Apple Mail (2.3774)', 'Microsoft Outlook 16.0', 'Evolution 3.46'])}`] : []),
    'MIME-Version: 1.0',
  ];
  const headerBytes = headers.join('\r\n').length + 4;
  const bodyBudget = Math.max(200, input.sizeBytes - headerBytes);
  const shape = random.next();
  const body = shape < 0.15 ? mixedBody(random, bodyBudget, input.hasSearchWord)
    : shape < 0.4 ? alternativeBody(random, bodyBudget, input.hasSearchWord)
      : plainBody(random, bodyBudget, input.hasSearchWord);
  return { bytes: Buffer.from(`${headers.join('\r\n')}\r\n${body}`, 'utf8'), messageId };
}

/** Header lines for a text part, then CRLF CRLF, then the part body. */
function plainBody(random: SeededRandom, budget: number, withWord: boolean): string {
  const qp = random.next() < 0.3;
  const text = prose(random, budget - 120, withWord, qp);
  return qp
    ? `Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${encodeQuotedPrintable(text)}`
    : `Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n${text}`;
}

function alternativeBody(random: SeededRandom, budget: number, withWord: boolean): string {
  const boundary = `alt-${random.int(1e9, 9e9).toString(36)}`;
  const text = prose(random, Math.floor(budget * 0.4), withWord, false);
  const html = `<html><body>\r\n${text.split('\r\n').filter(Boolean).map((l) => `<p>${l}</p>`).join('\r\n')}\r\n</body></html>\r\n`;
  return `Content-Type: multipart/alternative; boundary="${boundary}"\r\n\r\n` +
    `This is a multi-part message in MIME format.\r\n--${boundary}\r\n` +
    `Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n${text}--${boundary}\r\n` +
    `Content-Type: text/html; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n${html}--${boundary}--\r\n`;
}

function mixedBody(random: SeededRandom, budget: number, withWord: boolean): string {
  const boundary = `mix-${random.int(1e9, 9e9).toString(36)}`;
  const text = prose(random, Math.min(2000, Math.floor(budget * 0.3)), withWord, false);
  const attachments = random.int(1, 2);
  // base64 grows bytes by 4/3 plus CRLF every 76 characters.
  const perAttachmentBytes = Math.max(64, Math.floor((budget - text.length - 400 * attachments) / attachments * 0.74));
  let out = `Content-Type: multipart/mixed; boundary="${boundary}"\r\n\r\n--${boundary}\r\n` +
    `Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n${text}`;
  for (let a = 0; a < attachments; a++) {
    const kind = pick(random, attachmentKinds);
    const name = `${pick(random, vocabulary)}-${random.int(1, 99)}.${kind.ext}`;
    const data = Buffer.alloc(perAttachmentBytes);
    for (let i = 0; i < data.length; i++) data[i] = Math.floor(random.next() * 256);
    out += `--${boundary}\r\nContent-Type: ${kind.type}; name="${name}"\r\nContent-Disposition: attachment; filename="${name}"\r\n` +
      `Content-Transfer-Encoding: base64\r\n\r\n${data.toString('base64').replace(/.{1,76}/g, '$&\r\n')}`;
  }
  return `${out}--${boundary}--\r\n`;
}

/** Lines of at most 72 characters; with `accents`, some non-ASCII words (for quoted-printable). */
function prose(random: SeededRandom, budget: number, withWord: boolean, accents: boolean): string {
  const lines: string[] = [];
  let size = 0;
  const wordLine = withWord ? random.int(0, Math.max(0, Math.floor(budget / 60) - 1)) : -1;
  while (size < Math.max(60, budget) || lines.length <= wordLine) {
    let line = '';
    if (lines.length === wordLine) line = `see ${searchWord}`;
    else if (random.next() < 0.08) { lines.push(''); size += 2; continue; }
    while (line.length < 60) {
      const word = accents && random.next() < 0.05 ? pick(random, accentedWords) : pick(random, vocabulary);
      line = line ? `${line} ${word}` : word;
    }
    lines.push(line);
    size += line.length + 2;
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** RFC 2045 §6.7, for text whose lines are already under 76 octets once encoded. */
function encodeQuotedPrintable(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1')
    .replace(/[=\x80-\xff]/g, (c) => `=${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** RFC 2047 §4.1 B-encoding when the text is not ASCII. */
function headerText(text: string): string {
  return /^[\x20-\x7e]*$/.test(text) ? text : `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;
}

function mailbox(person: Person): string {
  return `${/^[A-Za-z ]*$/.test(person.name) ? person.name : headerText(person.name)} <${person.address}>`;
}

function ascii(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
}

const dayNames = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const monthNames = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 5322 §3.3 date-time in UTC. */
function rfc5322Date(ms: number): string {
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${dayNames[d.getUTCDay()]}, ${d.getUTCDate()} ${monthNames[d.getUTCMonth()]} ${d.getUTCFullYear()} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

function pick<T>(random: SeededRandom, items: readonly T[]): T {
  return items[Math.floor(random.next() * items.length)]!;
}
