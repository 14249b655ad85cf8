/**
 * Runs an async step over many items with at most `limit` in flight, in item order of start.
 * File-system calls go through libuv's small thread pool: a few in flight keep it busy, many
 * would only queue (and starve LevelDB, which shares the pool).
 */
export async function forEachBounded<T>(items: readonly T[], limit: number, step: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await step(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
