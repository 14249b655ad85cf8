/**
 * Writes journaled messages as one mbox file (the "mboxrd" variant, RFC 4155 §2 and Appendix A):
 * what eDiscovery tools, Thunderbird and Dovecot import. Each message starts with a
 * "From <envelope sender> <asctime>" line; a body line that starts with ">*From " gets one more ">"
 * (mboxrd, so reading reverses it exactly); line ends are LF, as mbox readers expect; each message
 * ends with an empty line.
 */
const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** ctime(3)'s form, in UTC: "Mon Nov 30 03:00:00 2026". */
export function asctime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${weekdays[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/** One message as an mboxrd entry. */
export function mboxEntry(mailFrom: string, timestampMs: number, message: Buffer): Buffer {
  const text = message.toString('latin1').replace(/\r\n/g, '\n');
  const quoted = text.replace(/^(>*From )/gm, '>$1');
  const body = quoted.endsWith('\n') ? quoted : `${quoted}\n`;
  return Buffer.from(`From ${mailFrom === '' ? 'MAILER-DAEMON' : mailFrom} ${asctime(timestampMs)}\n${body}\n`, 'latin1');
}

/** Writes the entries in order, each once the one before is written (a file handle's write, say); returns the bytes written. */
export async function writeMbox(write: (entry: Buffer) => Promise<unknown>, entries: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<number> {
  let bytes = 0;
  for await (const entry of entries) {
    bytes += entry.length;
    await write(entry);
  }
  return bytes;
}
