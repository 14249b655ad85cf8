// Goal: a long command gives the event loop to other work once its slice is used up, and only then.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TimeSlice } from './time-slice.js';

test('within the slice pause() does not give way', async () => {
  const slice = new TimeSlice(60_000);
  let ran = false;
  setImmediate(() => { ran = true; });
  for (let i = 0; i < 100; i++) await slice.pause();
  assert.equal(ran, false);
  assert.equal(slice.yields, 0);
});

test('past the slice pause() lets pending work run first, then starts a new slice', async () => {
  const slice = new TimeSlice(0);
  let ran = false;
  setImmediate(() => { ran = true; });
  await slice.pause();
  assert.equal(ran, true);
  assert.equal(slice.yields, 1);
});
