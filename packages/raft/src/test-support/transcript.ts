// The golden-transcript file format (after etcd-io/raft's testdata, simplified):
//   # comments and blank lines are kept as they are
//   > command arg key=value ...
//   expected output, one or more lines, up to the next "> " or "#" line
// Rewriting a file keeps everything but the outputs, which are replaced by what the run printed.

export interface TranscriptStep {
  /** Comment and blank lines before the command, verbatim. */
  preamble: string[];
  /** 1-based line number of the command. */
  line: number;
  command: string;
  expected: string;
}

export interface Transcript {
  steps: TranscriptStep[];
  /** Comment and blank lines after the last command. */
  trailer: string[];
}

export function parseTranscript(text: string): Transcript {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const steps: TranscriptStep[] = [];
  let preamble: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const l = lines[i] as string;
    if (!l.startsWith('> ')) {
      preamble.push(l);
      i++;
      continue;
    }
    const step: TranscriptStep = { preamble, line: i + 1, command: l.slice(2).trim(), expected: '' };
    i++;
    const out: string[] = [];
    while (i < lines.length && !(lines[i] as string).startsWith('> ') && !(lines[i] as string).startsWith('#')) {
      out.push(lines[i] as string);
      i++;
    }
    // Trailing blank lines separate steps; they belong to the next preamble.
    const blanks: string[] = [];
    while (out.length > 0 && out[out.length - 1] === '') blanks.unshift(out.pop() as string);
    step.expected = out.join('\n');
    steps.push(step);
    preamble = blanks;
  }
  return { steps, trailer: preamble };
}

export function formatTranscript(t: Transcript, outputs: string[]): string {
  const lines: string[] = [];
  t.steps.forEach((s, i) => {
    lines.push(...s.preamble, `> ${s.command}`);
    const o = outputs[i] ?? '';
    if (o !== '') lines.push(...o.split('\n'));
  });
  lines.push(...t.trailer);
  return `${lines.join('\n')}\n`;
}
