// Goal: every command and extension behaves exactly as the golden transcripts in packages/imap/testdata record, over real sockets, one fresh store per transcript.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { ImapHarness } from './imap-test-harness.js';
import { runTranscript } from './transcript-runner.js';

const testdata = fileURLToPath(new URL('../../testdata/', import.meta.url));
// IMAP_TRANSCRIPT_RECORD=name writes <name>.recorded next to the transcript for review (never in CI).
const record = process.env['IMAP_TRANSCRIPT_RECORD'];
const only = process.env['IMAP_TRANSCRIPT'];

for (const file of readdirSync(testdata).filter((f) => f.endsWith('.txt')).sort()) {
  if (only && !file.startsWith(only)) continue;
  test(`transcript ${file}`, async () => {
    const text = readFileSync(join(testdata, file), 'utf8');
    const harness = await ImapHarness.start({ devLoopbackPlainAuth: !/^# harness: no-dev-auth$/m.test(text) });
    try {
      const recording = record !== undefined && file.startsWith(record);
      if (recording) {
        writeFileSync(join(testdata, `${file}.recorded`), await runTranscript(harness, text, file, true));
      } else {
        // Every response must equal the transcript's, and no connection may hold one it does not expect.
        await assert.doesNotReject(runTranscript(harness, text, file));
      }
    } finally {
      await harness.close();
    }
  });
}
