/**
 * A min-heap of (expiresMs, key), ordered by time then key, so "the n earliest expiries" is the
 * same set on every node whatever order the entries were loaded in (apply() must be
 * deterministic). Removal is lazy: the owner re-checks a popped entry against its live row.
 */
export interface ExpiryEntry { expiresMs: number; key: string }

function less(a: ExpiryEntry, b: ExpiryEntry): boolean {
  return a.expiresMs < b.expiresMs || (a.expiresMs === b.expiresMs && a.key < b.key);
}

export class ExpiryHeap {
  private readonly items: ExpiryEntry[] = [];

  get size(): number { return this.items.length; }

  peek(): ExpiryEntry | undefined { return this.items[0]; }

  push(entry: ExpiryEntry): void {
    const a = this.items;
    a.push(entry);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(a[i]!, a[parent]!)) break;
      [a[i], a[parent]] = [a[parent]!, a[i]!];
      i = parent;
    }
  }

  pop(): ExpiryEntry | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1; const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l]!, a[m]!)) m = l;
        if (r < a.length && less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}
