/**
 * A small Prometheus text-format registry (exposition format 0.0.4): counters and histograms with
 * labels, and gauges read at scrape time. Written here because the daemon needs a dozen series and
 * no new dependency; names follow the Prometheus conventions (`_total`, `_seconds`, base units).
 */
type Labels = Record<string, string>;

export interface MetricSample { labels: Labels; value: number }

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  render(): string[];
}

function labelText(labels: Labels, extra: Labels = {}): string {
  const all = { ...labels, ...extra };
  const keys = Object.keys(all);
  if (keys.length === 0) return '';
  // Exposition format: label values escape backslash, double quote and newline.
  return `{${keys.map((k) => `${k}="${String(all[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}

function keyOf(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  // Label names are ASCII identifiers: code-unit order is enough (localeCompare costs far more).
  return JSON.stringify(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

export class Counter implements Family {
  readonly type = 'counter';
  private readonly values = new Map<string, MetricSample>();
  constructor(readonly name: string, readonly help: string) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = keyOf(labels);
    const sample = this.values.get(key);
    if (sample) sample.value += by;
    else this.values.set(key, { labels, value: by });
  }

  get(labels: Labels = {}): number {
    return this.values.get(keyOf(labels))?.value ?? 0;
  }

  render(): string[] {
    return [...this.values.values()].map((s) => `${this.name}${labelText(s.labels)} ${formatValue(s.value)}`);
  }
}

export class Gauge implements Family {
  readonly type = 'gauge';
  constructor(readonly name: string, readonly help: string, private readonly read: () => MetricSample[]) {}

  render(): string[] {
    return this.read().map((s) => `${this.name}${labelText(s.labels)} ${formatValue(s.value)}`);
  }
}

export class Histogram implements Family {
  readonly type = 'histogram';
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(readonly name: string, readonly help: string, private readonly bucketsSeconds: readonly number[]) {}

  observe(labels: Labels, value: number): void {
    const key = keyOf(labels);
    let s = this.series.get(key);
    if (!s) {
      s = { labels, counts: this.bucketsSeconds.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    this.bucketsSeconds.forEach((le, i) => { if (value <= le) s.counts[i]! += 1; });
    s.sum += value;
    s.count += 1;
  }

  render(): string[] {
    const lines: string[] = [];
    for (const s of this.series.values()) {
      this.bucketsSeconds.forEach((le, i) => lines.push(`${this.name}_bucket${labelText(s.labels, { le: formatValue(le) })} ${s.counts[i]}`));
      lines.push(`${this.name}_bucket${labelText(s.labels, { le: '+Inf' })} ${s.count}`);
      lines.push(`${this.name}_sum${labelText(s.labels)} ${s.sum}`);
      lines.push(`${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return lines;
  }
}

export class PrometheusRegistry {
  private readonly families: Family[] = [];

  counter(name: string, help: string): Counter {
    return this.add(new Counter(name, help));
  }

  gauge(name: string, help: string, read: () => MetricSample[]): Gauge {
    return this.add(new Gauge(name, help, read));
  }

  histogram(name: string, help: string, bucketsSeconds: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, bucketsSeconds));
  }

  /** The whole exposition, `# HELP` and `# TYPE` before each family. */
  render(): string {
    const lines: string[] = [];
    for (const f of this.families) {
      lines.push(`# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${f.name} ${f.type}`, ...f.render());
    }
    return `${lines.join('\n')}\n`;
  }

  private add<F extends Family>(family: F): F {
    if (this.families.some((f) => f.name === family.name)) throw new Error(`metric ${family.name} registered twice`);
    this.families.push(family);
    return family;
  }
}
