// Goal: user.quota sets, changes and removes a quota (RFC 9208 STORAGE) for the next delivery, never deletes stored mail, and refuses an unknown user or a bad number without changing anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { StoreFeeder, deliverCommand, makeTempDir } from './store-test-fixture.js';

test('user.quota: set below usage (mail stays, new mail refused), raise, remove', async () => {
  const tmp = await makeTempDir('quota');
  const f = await StoreFeeder.open(join(tmp.dir, 'data'));
  try {
    const user = await f.withDemoUser();
    for (let n = 1; n <= 2; n++) await f.ok(deliverCommand(n, user));
    const used = f.store.usageBytes(user);
    assert.equal(f.store.getUser(user)!.quotaBytes, undefined);

    await f.ok({ type: 'user.quota', address: user, quotaBytes: used - 1 });
    assert.equal(f.store.getUser(user)!.quotaBytes, used - 1);
    assert.equal(f.store.listMessages(user, 'INBOX').length, 2, 'over the new quota, nothing is deleted');
    const refused = await f.apply(deliverCommand(3, user));
    assert.deepEqual([refused.ok, !refused.ok && refused.error], [false, 'NOQUOTA']);

    await f.ok({ type: 'user.quota', address: 'Demo@Example.TEST', quotaBytes: used + 1000 });
    await f.ok(deliverCommand(4, user));
    await f.ok({ type: 'user.quota', address: user });
    assert.equal(f.store.getUser(user)!.quotaBytes, undefined);
    assert.equal('quotaBytes' in f.store.getUser(user)!, false);
    await f.ok(deliverCommand(5, user, 'INBOX', { body: 'x'.repeat(10_000) }));

    const before = f.store.getUser(user);
    for (const [address, quotaBytes, error] of [
      ['nobody@example.test', 10, 'NOTFOUND'], [user, -1, 'INVALID'], [user, 1.5, 'INVALID'], [user, 2 ** 60, 'INVALID'],
    ] as const) {
      const r = await f.apply({ type: 'user.quota', address, quotaBytes });
      assert.deepEqual([r.ok, !r.ok && r.error], [false, error], `${address} ${quotaBytes}`);
    }
    assert.deepEqual(f.store.getUser(user), before);
  } finally {
    await f.close();
    await tmp.remove();
  }
});
