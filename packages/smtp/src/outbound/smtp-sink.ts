/**
 * A remote mail server for the outbound tests (not exported): a real smtp-server on a loopback
 * address, answering each RCPT as the test says and keeping every message it accepted, envelope
 * and bytes. Loopback has all of 127/8, so several "MX hosts" can share one port on 127.0.0.2,
 * 127.0.0.3, ….
 */
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface SinkMessage {
  mailFrom: string; rcptTo: string[]; bytes: Buffer; tls: boolean; user: string | undefined; client: string;
  /** MAIL FROM's parameters, e.g. { SIZE: '123', BODY: '8BITMIME' }. */
  mailArgs: Record<string, string>;
}

/** A reply for a recipient: undefined accepts it; otherwise "<code> <text>". */
export type RcptPolicy = (address: string) => string | undefined;

export class SmtpSink {
  readonly received: SinkMessage[] = [];
  /** RCPT addresses asked, accepted or not, in order. */
  readonly asked: string[] = [];
  policy: RcptPolicy = () => undefined;

  private constructor(private readonly server: SMTPServer, readonly host: string, readonly port: number) {}

  /** `brokenTls`: STARTTLS is offered, but every handshake fails (TLS 1.2 only, and a client certificate demanded). */
  static async start(host: string, port: number, options: { tls?: { key: string; cert: string }; auth?: { user: string; pass: string }; brokenTls?: boolean; implicitTls?: boolean } = {}): Promise<SmtpSink> {
    let sink: SmtpSink | undefined;
    const config: SMTPServerOptions = {
      logger: false,
      size: 64 * 1024 * 1024, // advertised in EHLO, so a client declares SIZE (RFC 1870)
      disabledCommands: options.auth ? [] : ['AUTH'],
      ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : { hideSTARTTLS: true }),
      ...(options.implicitTls ? { secure: true } : {}),
      ...(options.brokenTls ? { requestCert: true, rejectUnauthorized: true, maxVersion: 'TLSv1.2' as const } : {}),
      authOptional: !options.auth,
      onAuth(auth, _session, callback) {
        if (options.auth && auth.username === options.auth.user && auth.password === options.auth.pass) callback(null, { user: auth.username });
        else callback(new Error('535 5.7.8 authentication failed'));
      },
      onRcptTo(address, _session, callback) {
        sink!.asked.push(address.address);
        const refusal = sink!.policy(address.address);
        if (refusal === undefined) { callback(); return; }
        const err = new Error(refusal.slice(4)) as Error & { responseCode: number };
        err.responseCode = Number(refusal.slice(0, 3));
        callback(err);
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          sink!.received.push({
            mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            rcptTo: session.envelope.rcptTo.map((r) => r.address),
            bytes: Buffer.concat(chunks), tls: session.secure, user: typeof session.user === 'string' ? session.user : undefined,
            client: session.remoteAddress.replace(/^::ffff:/, ''),
            mailArgs: session.envelope.mailFrom ? { ...(session.envelope.mailFrom.args as Record<string, string> | false || {}) } : {},
          });
          callback(null, `2.0.0 Ok: queued as SINK${sink!.received.length}`);
        });
      },
    };
    const server = new SMTPServer(config);
    server.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const address = server.server.address();
    sink = new SmtpSink(server, host, typeof address === 'object' && address ? address.port : port);
    return sink;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
