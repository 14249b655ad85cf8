import type { DaemonDetails } from './tandem-daemon.js';

/**
 * What `npm start` prints on stdout once every listener is up: where to connect, with which
 * account, and how to administer. Logs go to stderr; this is the one thing meant for people (the
 * e2e tests read it too, so keep the "name  host:port" shape).
 */
export function formatConnectionDetails(details: DaemonDetails): string {
  const at = (l: { host: string; port: number }): string => `${l.host}:${l.port}`;
  const { mx, submission, submissions } = details.listeners;
  const lines = [
    `Tandem Mail is running${details.dev ? ' (dev mode)' : ''}`,
    `  data dir     ${details.dataDir}`,
    `  smtp         ${at(mx)}   MX: mail for local domains, no AUTH`,
    `  submission   ${at(submission)}   STARTTLS, then AUTH PLAIN/LOGIN`,
    `  submissions  ${at(submissions)}   implicit TLS, AUTH PLAIN/LOGIN`,
    `  imap         ${mx.host}:${details.imapPorts.port} and ${details.imapPorts.imapsPort} (TLS): reserved, not served yet`,
    `  certificate  ${details.certFile}${details.dev ? ' (self-signed: clients must not verify it)' : ''}`,
  ];
  if (details.demo) {
    lines.push(`  user         ${details.demo.address}`);
    lines.push(`  password     ${details.demo.password ?? '(changed with `tandem user passwd`; start with --demo-password PW to reset it)'}`);
  }
  lines.push(`  admin        npx tandem --data-dir ${details.dataDir} status`);
  return `${lines.join('\n')}\n`;
}
