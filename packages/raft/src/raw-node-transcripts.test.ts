// Goal: replay every golden transcript in packages/raft/testdata and match its recorded output
// (REWRITE=1 rewrites the outputs instead of comparing; review the diff before keeping it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { InteractionEnv, parseArgs } from './test-support/interaction-env.js';
import { formatTranscript, parseTranscript } from './test-support/transcript.js';

const dir = fileURLToPath(new URL('../testdata/', import.meta.url));
const rewrite = process.env.REWRITE === '1';

for (const file of readdirSync(dir).filter((f) => f.endsWith('.txt')).sort()) {
  test(`transcript ${file}`, () => {
    const path = join(dir, file);
    const transcript = parseTranscript(readFileSync(path, 'utf8'));
    const env = new InteractionEnv();
    const outputs: string[] = [];
    for (const step of transcript.steps) {
      const [command, ...rest] = step.command.split(/\s+/);
      const got = env.run(command ?? '', parseArgs(rest));
      outputs.push(got);
      if (!rewrite) assert.equal(got, step.expected, `${file}:${step.line}: > ${step.command}`);
    }
    if (rewrite) writeFileSync(path, formatTranscript(transcript, outputs));
  });
}
