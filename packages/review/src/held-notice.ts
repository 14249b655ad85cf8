/**
 * The message a rule's reviewers get in their INBOX when it holds mail: who sent what to whom, under
 * which rule, and the commands that decide it. It is an ordinary local delivery, proposed by whoever
 * held the message right after the hold committed, with a dedupe key per held message so a retry
 * stores it once. Composed with nodemailer's MIME composer (RFC 2047 words for a non-ASCII subject,
 * RFC 5322 dates); Auto-Submitted: auto-generated (RFC 3834 §5) keeps vacation responders quiet.
 */
import MailComposer from 'nodemailer/lib/mail-composer';

export interface HeldNoticeInput {
  hostname: string;
  reviewers: readonly string[];
  queueId: string;
  rule: string;
  mailFrom: string;
  rcptTo: readonly string[];
  /** The held message's Subject, decoded ('' when it has none). */
  subject: string;
  sizeBytes: number;
  dateMs: number;
}

export function heldNotice(input: HeldNoticeInput): Promise<Buffer> {
  const text = [
    `A message is held for review under the rule "${input.rule}" and is delivered to nobody until it is decided.`,
    '',
    `  Queue ID: ${input.queueId}`,
    `  From:     ${input.mailFrom === '' ? '<> (the null sender)' : input.mailFrom}`,
    `  To:       ${input.rcptTo.join(', ')}`,
    `  Subject:  ${input.subject === '' ? '(none)' : input.subject}`,
    `  Size:     ${input.sizeBytes} bytes`,
    '',
    'On the mail server:',
    `  tandem review show ${input.queueId}       the whole message`,
    `  tandem review approve ${input.queueId}    deliver it`,
    `  tandem review reject ${input.queueId} --reason "..."    refuse it (the sender is told the reason)`,
    '',
  ].join('\r\n');
  const composer = new MailComposer({
    from: { name: 'Mail review', address: `postmaster@${input.hostname}` },
    to: [...input.reviewers],
    subject: `[review] held: ${input.subject === '' ? '(no subject)' : input.subject}`,
    date: new Date(input.dateMs),
    messageId: `<review.${input.queueId}@${input.hostname}>`,
    headers: { 'Auto-Submitted': 'auto-generated', 'X-Tandem-Review-Queue-ID': input.queueId },
    text,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return composer.compile().build();
}
