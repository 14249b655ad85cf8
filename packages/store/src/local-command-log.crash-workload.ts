/** The messages the crash test's child sends: recognisable, self-describing, of varied sizes. */
export const crashUser = 'crash@example.test';

export function crashMessageBody(n: number): Buffer {
  return Buffer.from(`Subject: crash ${n}\r\nX-Seq: ${n}\r\n\r\n${`line of message ${n}\r\n`.repeat(1 + (n % 13) * 40)}`);
}

/** The message number a body claims, or undefined when the body is not one of ours (or damaged). */
export function crashMessageNumber(body: Buffer): number | undefined {
  const m = /^Subject: crash (\d+)\r\n/.exec(body.toString('latin1', 0, 64));
  if (!m) return undefined;
  const n = Number(m[1]);
  return crashMessageBody(n).equals(body) ? n : undefined;
}
