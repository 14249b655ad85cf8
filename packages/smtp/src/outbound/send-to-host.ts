/**
 * One SMTP transaction with one remote server (an MX host's address, or the relay), through
 * nodemailer's SMTP client: EHLO, STARTTLS when offered (or required), AUTH for a relay, MAIL,
 * RCPT per recipient, DATA with the queued bytes as they are (nodemailer dot-stuffs them).
 *
 * The outcome separates two cases the queue treats differently (RFC 5321 §5.1):
 *  - `unreachable`: no server answered the transaction (no connection, a timeout, a TLS or protocol
 *    failure, a 4xx/5xx greeting): the next MX address is tried;
 *  - `replied`: the server answered MAIL/RCPT/DATA; its reply for each recipient is final for
 *    this attempt (2xx delivered, 5xx failed, anything else deferred). Trying a lower-preference
 *    MX after a real answer would only deliver twice or bounce differently.
 */
import { isIP } from 'node:net';
import nodemailer from 'nodemailer';
import type { NodemailerError } from 'nodemailer';
import { limits } from '@tandem/config';

export interface HostTarget {
  /** The IP address to connect to. */
  address: string;
  /** The server's name: for TLS (SNI and, when verified, the certificate) and for the log. */
  host: string;
  port: number;
  /**
   * `opportunistic`: STARTTLS when offered, unverified (RFC 7435: MX delivery has no name to check
   * against without DANE or MTA-STS); `starttls` (required) / `tls` (implicit, RFC 8314): a relay;
   * `none`: plaintext, for a relay on this machine only (outbound-config.ts).
   */
  tls: 'opportunistic' | 'starttls' | 'tls' | 'none';
  verifyCertificate: boolean;
  auth?: { user: string; pass: string };
  /** The local address to connect from (a cluster's VIP), so receivers see the address SPF and PTR name. */
  sourceAddress?: string | undefined;
}

/** A recipient's reply: the SMTP code (2xx/4xx/5xx) and the server's text, as one line. */
export interface RecipientReply { code: number; reply: string }

export type HostOutcome =
  | { kind: 'replied'; replies: Map<string, RecipientReply> }
  /** `tlsFailed`: the TLS handshake itself failed (for opportunistic TLS, worth one try in plaintext). */
  | { kind: 'unreachable'; reason: string; tlsFailed: boolean };

export interface HostEnvelope { mailFrom: string; rcptTo: string[] }

function hasEightBitBytes(bytes: Buffer): boolean {
  for (const byte of bytes) if (byte > 0x7f) return true;
  return false;
}

/** Replies are one line in logs and in the queue (multi-line replies are joined). */
function oneLine(text: string | undefined, fallback: string): string {
  const line = (text ?? '').replace(/\r?\n/g, ' ').trim();
  return line.length > 0 ? line : fallback;
}

/** `signal` aborts the transaction: its connection is closed at once (the serving node is stepping down). */
export async function sendToHost(target: HostTarget, envelope: HostEnvelope, bytes: Buffer, heloName: string, signal?: AbortSignal): Promise<HostOutcome> {
  if (signal?.aborted) return { kind: 'unreachable', reason: 'not tried: delivery is stopping', tlsFailed: false };
  const transport = nodemailer.createTransport({
    host: target.address,
    port: target.port,
    secure: target.tls === 'tls',
    requireTLS: target.tls === 'starttls',
    ignoreTLS: target.tls === 'none',
    name: heloName,
    ...(target.sourceAddress !== undefined ? { localAddress: target.sourceAddress } : {}),
    connectionTimeout: limits.outboundConnectTimeoutMs,
    greetingTimeout: limits.outboundConnectTimeoutMs,
    socketTimeout: limits.outboundReplyTimeoutMs,
    // SNI carries a name only (RFC 6066 §3): a relay given as an address is sent none.
    tls: { ...(isIP(target.host) === 0 ? { servername: target.host } : {}), rejectUnauthorized: target.verifyCertificate, minVersion: 'TLSv1.2' },
    ...(target.auth ? { auth: target.auth } : {}),
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
  });
  try {
    // SIZE (RFC 1870 §6) lets the server refuse a message too big before it is sent; BODY=8BITMIME
    // (RFC 6152 §2) declares 8-bit content. nodemailer adds each only where the server offers it.
    const info = await transport.sendMail({
      envelope: { from: envelope.mailFrom, to: envelope.rcptTo, size: bytes.length, use8BitMime: hasEightBitBytes(bytes) } as { from: string; to: string[] },
      raw: bytes,
      // nodemailer ends the connection when this aborts (the transaction fails with an abort error).
      ...(signal ? { signal } : {}),
    });
    const replies = new Map<string, RecipientReply>();
    const accepted = new Set(info.accepted.map(String));
    for (const err of (info as { rejectedErrors?: NodemailerError[] }).rejectedErrors ?? []) {
      const rcpt = (err as NodemailerError & { recipient?: string }).recipient;
      if (rcpt !== undefined) replies.set(rcpt, { code: err.responseCode ?? 451, reply: oneLine(err.response, err.message) });
    }
    for (const rcpt of envelope.rcptTo) {
      if (accepted.has(rcpt)) replies.set(rcpt, { code: 250, reply: oneLine(info.response, '250 accepted') });
      else if (!replies.has(rcpt)) replies.set(rcpt, { code: 451, reply: '451 4.3.0 the server neither accepted nor refused this recipient' });
    }
    return { kind: 'replied', replies };
  } catch (caught) {
    return outcomeOfError(caught as NodemailerError, envelope);
  } finally {
    transport.close();
  }
}

/** A failed transaction: the server's answer where it gave one within the transaction, else unreachable. */
function outcomeOfError(err: NodemailerError, envelope: HostEnvelope): HostOutcome {
  const inTransaction = err.command === 'MAIL FROM' || err.command === 'RCPT TO' || err.command === 'DATA' ||
    (err.code === 'EMESSAGE' && err.responseCode !== undefined);
  if (!inTransaction || err.responseCode === undefined) {
    const reason = err.responseCode !== undefined ? oneLine(err.response, err.message) : `${err.code ?? 'error'}: ${oneLine(err.message, 'failed')}`;
    // nodemailer reports a failed handshake as ETLS, or as a socket error carrying OpenSSL's text.
    const tlsFailed = err.code === 'ETLS' || (err.responseCode === undefined && /SSL routines|alert|handshake/i.test(err.message));
    return { kind: 'unreachable', reason, tlsFailed };
  }
  const replies = new Map<string, RecipientReply>();
  const whole = { code: err.responseCode, reply: oneLine(err.response, err.message) };
  // Every recipient refused at RCPT: each has its own reply.
  for (const r of err.rejectedErrors ?? []) {
    const rcpt = (r as NodemailerError & { recipient?: string }).recipient;
    if (rcpt !== undefined) replies.set(rcpt, { code: r.responseCode ?? whole.code, reply: oneLine(r.response, r.message) });
  }
  for (const rcpt of envelope.rcptTo) if (!replies.has(rcpt)) replies.set(rcpt, whole);
  return { kind: 'replied', replies };
}
