// Goal: quota sizes read the way Dovecot reads them (K/M/G/T = 1024ⁿ, optional B or iB), and anything else is refused with a clear error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseByteSize } from './byte-size.js';

test('sizes: bytes, K/M/G/T as powers of 1024, with or without B/iB, decimals', () => {
  const table: Array<[string, number]> = [
    ['1048576', 1_048_576], ['1K', 1024], ['500M', 500 * 1024 ** 2], ['2G', 2 * 1024 ** 3], ['2g', 2 * 1024 ** 3],
    ['2GB', 2 * 1024 ** 3], ['2GiB', 2 * 1024 ** 3], ['1.5G', 1.5 * 1024 ** 3], ['1T', 1024 ** 4], [' 750 KB ', 750 * 1024],
  ];
  for (const [text, bytes] of table) assert.equal(parseByteSize(text), bytes, text);
});

test('not sizes: refused, saying how to write one', () => {
  for (const text of ['', 'none', '-1G', '0', '0.1', '2X', '2 G B', 'G', '9999999T']) {
    assert.throws(() => parseByteSize(text), /is not a size/, text);
  }
});
