// Goal: a data member whose data dir holds a store from elsewhere (a single node's, a restored backup's) beside no Raft state does not start — it would take the new log's entries for applied ones and skip them — and says why and what to do.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { LocalCommandLog, MailStore } from '@tandem/store';
import { TandemCluster } from './tandem-cluster.js';

let cluster: TandemCluster | undefined;
after(async () => { await cluster?.close(); });

test('a member with a foreign store refuses to start, naming the store\'s index and the way out', async () => {
  cluster = await TandemCluster.create();
  const c = cluster;
  // A single node's store in a's data dir: two commands applied, no raft/ beside it.
  const store = await MailStore.open({ dataDir: c.dataDir('a') });
  const log = await LocalCommandLog.open({ dir: join(c.dataDir('a'), 'log'), store });
  await log.propose({ type: 'domain.add', domain: 'elsewhere.test', timestampMs: 1 });
  await log.propose({ type: 'domain.add', domain: 'other.test', timestampMs: 2 });
  await log.close();
  await store.close();

  await assert.rejects(c.start('a'), /tandemd a exited \(\d+\) before it was ready/);
  const text = readFileSync(join(c.dir, 'logs', 'a.log'), 'utf8');
  assert.match(text, /the store has applied up to index 2 but the Raft log in \S+ ends at 0: a cluster member cannot run a store that already holds other mail\. Run this data dir as a single node/);
});
