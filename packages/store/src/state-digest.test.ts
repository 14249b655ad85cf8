// Goal: stores built from the same log have equal state digests (and byte-identical snapshot archives); any change of a flag or of a message's bytes changes the digest, in-flight files do not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MailStore } from './mail-store.js';
import { makeTempDir, testSeed, workload } from './store-test-fixture.js';

test('same log, same digest and same snapshot archive; one flag or one byte makes a difference', async (t) => {
  const seed = testSeed();
  t.diagnostic(`seed ${seed} (TEST_SEED=${seed} to replay)`);
  const cmds = workload(seed, 90);
  const tmp = await makeTempDir('digest');
  try {
    const [a, b] = await Promise.all(['a', 'b'].map((d) => MailStore.open({ dataDir: join(tmp.dir, d) })));
    for (let i = 1; i <= cmds.length; i++) { await a!.apply(i, cmds[i - 1]!); await b!.apply(i, cmds[i - 1]!); }
    const digest = await a!.stateDigest();
    assert.match(digest, /^[0-9a-f]{64}$/);
    assert.equal(await b!.stateDigest(), digest, `seed ${seed}`);
    const [ma, mb] = [await a!.createSnapshot(join(tmp.dir, 'snap-a')), await b!.createSnapshot(join(tmp.dir, 'snap-b'))];
    assert.equal(ma.archiveSha256, mb.archiveSha256, `seed ${seed}`);

    // Files only in flight (a Maildir's tmp/, the staging area) are not state.
    await writeFile(join(a!.paths.mailRoot, 'example.test', 'u1', 'tmp', 'half-written'), 'x');
    await writeFile(join(a!.paths.mailRoot, '.staging', '999.tandem'), 'y');
    assert.equal(await a!.stateDigest(), digest);

    const user = 'u1@example.test';
    const message = a!.listMessages(user, 'INBOX')[0];
    assert.ok(message, `seed ${seed}: u1 has mail in INBOX`);
    const next = cmds.length + 1;
    const flags = message.flags.includes('\\Flagged') ? { operation: 'remove' as const } : { operation: 'add' as const };
    await a!.apply(next, { type: 'message.store', timestampMs: cmds[cmds.length - 1]!.timestampMs, user, mailbox: 'INBOX', uids: [message.uid], flags: ['\\Flagged'], ...flags });
    assert.notEqual(await a!.stateDigest(), digest);

    // Same size, one byte different, behind the index's back: the digest sees it.
    const before = await b!.stateDigest();
    const path = b!.messagePath(user, 'INBOX', message.uid)!;
    const bytes = await b!.readMessage(user, 'INBOX', message.uid);
    bytes[bytes.length - 3]! ^= 0x20;
    await writeFile(path, bytes);
    assert.notEqual(await b!.stateDigest(), before);
    await Promise.all([a!.close(), b!.close()]);
  } finally {
    await tmp.remove();
  }
});
