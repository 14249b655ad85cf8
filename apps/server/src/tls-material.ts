/**
 * The certificate and key the SMTP and IMAP listeners present, read from their files and checked
 * before anything uses them: at start, and again on SIGHUP (a renewed certificate is taken without
 * a restart, as `systemctl reload tandemd` or a certbot deploy hook asks). A pair that does not
 * load is refused with the file and the reason, and on a reload the listeners keep the pair they
 * have: a bad renewal never takes TLS down.
 */
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';

export interface TlsMaterial {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
}

/** What a log line says about a certificate in use. */
export interface CertificateSummary {
  subject: string;
  validTo: string;
  fingerprint256: string;
}

export class TlsMaterialError extends Error {
  override readonly name = 'TlsMaterialError';
}

export function readTlsMaterial(certFile: string, keyFile: string): TlsMaterial {
  const cert = readPem(certFile, 'certificate');
  const key = readPem(keyFile, 'key');
  try {
    createSecureContext({ cert, key, minVersion: 'TLSv1.2' });
  } catch (err) {
    const reason = /key values mismatch/i.test((err as Error).message) ? 'the key does not belong to the certificate' : (err as Error).message;
    throw new TlsMaterialError(`TLS certificate ${certFile} with key ${keyFile}: ${reason}`, { cause: err });
  }
  return { cert, key, certFile, keyFile };
}

export function summarizeCertificate(material: TlsMaterial): CertificateSummary {
  const leaf = new X509Certificate(material.cert);
  return { subject: leaf.subject.replace(/\n/g, ', '), validTo: leaf.validTo, fingerprint256: leaf.fingerprint256 };
}

function readPem(path: string, what: 'certificate' | 'key'): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TlsMaterialError(`TLS ${what} ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
  }
  const marker = what === 'certificate' ? /-----BEGIN CERTIFICATE-----/ : /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
  if (!marker.test(text)) {
    throw new TlsMaterialError(`TLS ${what} ${path}: no PEM ${what} in it`);
  }
  return text;
}
