/**
 * The CAPABILITY list (RFC 9051 §6.1.1, §7.2.2). An extension is listed only once every part of it
 * is implemented and covered by tests (issue 4); docs/rfc-index.md says which RFC each one is.
 */
import { limits } from '@tandem/config';

/** Extensions that do not depend on the session's state. */
export const serverExtensions: readonly string[] = [
  'LITERAL+', // RFC 7888
  'SASL-IR', // RFC 4959
  'ID', // RFC 2971
  'ENABLE', // RFC 5161
  'IDLE', // RFC 2177
  'NAMESPACE', // RFC 2342
  'UNSELECT', // RFC 3691
  'UIDPLUS', // RFC 4315
  'MOVE', // RFC 6851
  'CHILDREN', // RFC 3348
  'SPECIAL-USE', // RFC 6154
  'CREATE-SPECIAL-USE', // RFC 6154 §3
  'LIST-EXTENDED', // RFC 5258
  'LIST-STATUS', // RFC 5819
  'CONDSTORE', // RFC 7162
  'QRESYNC', // RFC 7162
  'ESEARCH', // RFC 4731
  'SEARCHRES', // RFC 5182
  'SORT', // RFC 5256
  'SORT=DISPLAY', // RFC 5957
  'THREAD=ORDEREDSUBJECT', // RFC 5256
  'THREAD=REFERENCES', // RFC 5256
  'QUOTA', // RFC 9208
  'QUOTA=RES-STORAGE', // RFC 9208 §5.1
  `APPENDLIMIT=${limits.imapLiteralBytesMax}`, // RFC 7889
  'UTF8=ACCEPT', // RFC 6855
  'MULTIAPPEND', // RFC 3502
  'BINARY', // RFC 3516
  'STATUS=SIZE', // RFC 8438
];

/** Capabilities ENABLE may turn on (RFC 5161 §4), upper case. */
export const enableableCapabilities: ReadonlySet<string> = new Set(['CONDSTORE', 'QRESYNC', 'UTF8=ACCEPT', 'IMAP4REV2']);

export interface CapabilityState {
  readonly authenticated: boolean;
  /** Plain connection on a listener that offers STARTTLS (RFC 9051 §6.2.1). */
  readonly canStartTls: boolean;
  /** LOGIN and AUTHENTICATE may be used now (TLS, or loopback in dev mode). */
  readonly loginAllowed: boolean;
}

export function capabilityList(state: CapabilityState): string[] {
  const out = ['IMAP4rev1', 'IMAP4rev2'];
  if (!state.authenticated) {
    if (state.canStartTls) out.push('STARTTLS');
    // RFC 9051 §6.2.3: LOGINDISABLED while plaintext login is refused; no AUTH= mechanisms then either.
    if (state.loginAllowed) out.push('AUTH=PLAIN', 'AUTH=LOGIN');
    else out.push('LOGINDISABLED');
  }
  out.push(...serverExtensions);
  return out;
}
