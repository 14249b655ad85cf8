/**
 * Runs an async function over items with at most `concurrency` calls in flight, results in input
 * order. FETCH and SEARCH read message files this way: the disk works on several at once while the
 * responses still come out in sequence order.
 */
export async function parallelMap<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  const workers: Array<Promise<void>> = [];
  for (let w = 0; w < Math.min(Math.max(1, concurrency), items.length); w++) workers.push(worker());
  await Promise.all(workers);
  return results;
}
