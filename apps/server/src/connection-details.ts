import type { DaemonDetails } from './tandem-daemon.js';

/**
 * What tandemd prints on stdout once it is up: where to connect, with which account, and how to
 * administer. Logs go to stderr; this is the one thing meant for people (the e2e tests read it too,
 * so keep the "name  host:port" shape).
 */
export function formatConnectionDetails(details: DaemonDetails): string {
  const lines = details.kind === 'single' ? singleNode(details) : clusterMember(details);
  lines.push(`  admin        npx tandem --data-dir ${details.dataDir} status`);
  return `${lines.join('\n')}\n`;
}

function singleNode(details: DaemonDetails): string[] {
  const at = (l: { host: string; port: number }): string => `${l.host}:${l.port}`;
  const { mx, submission, submissions, imap, imaps } = details.listeners!;
  const lines = [
    `Tandem Mail is running${details.dev ? ' (dev mode)' : ''}`,
    `  data dir     ${details.dataDir}`,
    `  smtp         ${at(mx)}   MX: mail for local domains, no AUTH`,
    `  submission   ${at(submission)}   STARTTLS, then AUTH PLAIN/LOGIN`,
    `  submissions  ${at(submissions)}   implicit TLS, AUTH PLAIN/LOGIN`,
    `  imap         ${at(imap)}   STARTTLS${details.dev ? ' (plain LOGIN allowed from loopback in dev mode)' : ', then LOGIN'}`,
    `  imaps        ${at(imaps)}   implicit TLS`,
    `  certificate  ${details.certFile}${details.dev ? ' (self-signed: clients must not verify it)' : ''}`,
  ];
  if (details.demo) {
    lines.push(`  user         ${details.demo.address}`);
    lines.push(`  password     ${details.demo.password ?? '(changed with `tandem user passwd`; start with --demo-password PW to reset it)'}`);
  }
  if (details.metrics.length > 0) lines.push(`  metrics      ${details.metrics.map((m) => `http://${m}/metrics`).join(' ')}`);
  return lines;
}

function clusterMember(details: DaemonDetails): string[] {
  const lines = [
    `Tandem Mail cluster member ${details.nodeId} (${details.kind}) is running`,
    `  data dir     ${details.dataDir}`,
  ];
  if (details.kind === 'data') {
    const host = details.serviceHost!;
    const p = details.smtpPorts;
    lines.push(`  service      ${host}: smtp ${p.mx}, submission ${p.submission}, submissions ${p.submissions}, imap ${details.imapPorts.port}, imaps ${details.imapPorts.imapsPort} — open while this member leads`);
  } else {
    lines.push('  service      none: a witness votes and keeps the log; it never serves clients');
  }
  if (details.metrics.length > 0) lines.push(`  metrics      ${details.metrics.map((m) => `http://${m}/metrics`).join(' ')}`);
  lines.push(`  cluster      npx tandem --data-dir ${details.dataDir} cluster status`);
  return lines;
}
