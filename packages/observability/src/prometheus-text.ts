/**
 * A strict reader of Prometheus' text exposition format (version 0.0.4), for reading a
 * `/metrics` page back: the tests, and tools that want one number from a pod. It refuses
 * what Prometheus would refuse, and also the inconsistencies a scrape would only half
 * notice: a TYPE after the family's samples, a family split in two, a histogram whose
 * buckets are not cumulative or whose +Inf bucket is not its count.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help: string | undefined;
  samples: Sample[];
}

export class PrometheusTextError extends Error {
  override readonly name = 'PrometheusTextError';
  readonly code = 'invalid_metrics_text';

  constructor(
    readonly line: number,
    reason: string,
  ) {
    super(`Line ${line} of the metrics text: ${reason}`);
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** The family a sample belongs to: `x_bucket`, `x_sum` and `x_count` belong to histogram `x`. */
function familyOf(sampleName: string, families: Map<string, MetricFamily>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!sampleName.endsWith(suffix)) continue;
    const base = sampleName.slice(0, -suffix.length);
    const type = families.get(base)?.type;
    if (type === 'histogram' || (type === 'summary' && suffix !== '_bucket')) return base;
  }
  return sampleName;
}

// Prometheus reads values with Go's ParseFloat, which takes NaN and Inf in any case
// (prom-client writes `Nan`).
function parseValue(text: string, line: number): number {
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(text);
  if (special) {
    if (special[2]?.toLowerCase() === 'nan') return Number.NaN;
    return special[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
    throw new PrometheusTextError(line, `"${text}" is not a number`);
  }
  return Number(text);
}

/** `{a="x",b="y\"z"}` from position `at` (the brace); returns the labels and where they end. */
function parseLabels(text: string, at: number, line: number) {
  const labels: Record<string, string> = {};
  let i = at + 1;
  for (;;) {
    while (text[i] === ' ') i++;
    if (text[i] === '}') return { labels, end: i + 1 };
    const eq = text.indexOf('=', i);
    if (eq === -1) throw new PrometheusTextError(line, 'a label has no "="');
    const name = text.slice(i, eq).trim();
    if (!LABEL_NAME.test(name)) throw new PrometheusTextError(line, `bad label name "${name}"`);
    if (Object.hasOwn(labels, name)) {
      throw new PrometheusTextError(line, `label "${name}" appears twice`);
    }
    i = eq + 1;
    if (text[i] !== '"') throw new PrometheusTextError(line, `label "${name}" is not quoted`);
    i++;
    let value = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) throw new PrometheusTextError(line, `label "${name}" is not closed`);
      if (c === '"') break;
      if (c === '\\') {
        const next = text[i + 1];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else throw new PrometheusTextError(line, `bad escape in label "${name}"`);
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    labels[name] = value;
    i++;
    while (text[i] === ' ') i++;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw new PrometheusTextError(line, 'labels must be split by ","');
  }
}

function checkHistogram(family: MetricFamily, line: number): void {
  // Series of one histogram: same labels but `le`.
  const series = new Map<string, { buckets: [number, number][]; count?: number }>();
  const keyOf = (labels: Record<string, string>) =>
    JSON.stringify(
      Object.entries(labels)
        .filter(([k]) => k !== 'le')
        .sort(),
    );
  for (const s of family.samples) {
    const entry = series.get(keyOf(s.labels)) ?? { buckets: [] };
    series.set(keyOf(s.labels), entry);
    if (s.name.endsWith('_bucket')) {
      if (s.labels.le === undefined) {
        throw new PrometheusTextError(line, `${s.name} has no "le" label`);
      }
      entry.buckets.push([parseValue(s.labels.le, line), s.value]);
    } else if (s.name.endsWith('_count')) entry.count = s.value;
  }
  for (const { buckets, count } of series.values()) {
    const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < sorted.length; i++) {
      if ((sorted[i]?.[1] ?? 0) < (sorted[i - 1]?.[1] ?? 0)) {
        throw new PrometheusTextError(line, `${family.name}: buckets are not cumulative`);
      }
    }
    const inf = sorted.at(-1);
    if (!inf || inf[0] !== Number.POSITIVE_INFINITY) {
      throw new PrometheusTextError(line, `${family.name}: no le="+Inf" bucket`);
    }
    if (count !== undefined && inf[1] !== count) {
      throw new PrometheusTextError(line, `${family.name}: the +Inf bucket is not the count`);
    }
  }
}

/** Every family of a metrics page, by name. Throws PrometheusTextError on anything malformed. */
export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const finished = new Set<string>();
  const seenSamples = new Set<string>();
  let current: MetricFamily | undefined;
  let currentLine = 0;
  const family = (name: string) => {
    let f = families.get(name);
    if (!f) {
      f = { name, type: 'untyped', help: undefined, samples: [] };
      families.set(name, f);
    }
    return f;
  };
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((raw, index) => {
    const line = index + 1;
    currentLine = line;
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(raw);
      if (!m) return; // a plain comment
      const [, kind, name = '', rest = ''] = m;
      if (!METRIC_NAME.test(name)) throw new PrometheusTextError(line, `bad metric name "${name}"`);
      const f = family(name);
      if (finished.has(name) || f.samples.length > 0) {
        throw new PrometheusTextError(line, `${kind} for ${name} after its samples`);
      }
      if (kind === 'HELP') {
        if (f.help !== undefined) throw new PrometheusTextError(line, `second HELP for ${name}`);
        f.help = rest.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
      } else {
        if (f.type !== 'untyped' || !TYPES.has(rest.trim() as MetricType)) {
          throw new PrometheusTextError(line, `bad or second TYPE for ${name}: "${rest}"`);
        }
        f.type = rest.trim() as MetricType;
      }
      return;
    }
    const nameEnd = raw.search(/[{ ]/);
    if (nameEnd <= 0) throw new PrometheusTextError(line, 'a sample needs a name and a value');
    const name = raw.slice(0, nameEnd);
    if (!METRIC_NAME.test(name)) throw new PrometheusTextError(line, `bad metric name "${name}"`);
    let labels: Record<string, string> = {};
    let rest = raw.slice(nameEnd);
    if (rest.startsWith('{')) {
      const parsed = parseLabels(raw, nameEnd, line);
      labels = parsed.labels;
      rest = raw.slice(parsed.end);
    }
    const fields = rest.trim().split(/\s+/);
    if (fields.length < 1 || fields.length > 2 || fields[0] === '') {
      throw new PrometheusTextError(line, 'a sample is a value and an optional timestamp');
    }
    const value = parseValue(fields[0] as string, line);
    if (fields[1] !== undefined && !/^-?\d+$/.test(fields[1])) {
      throw new PrometheusTextError(line, `bad timestamp "${fields[1]}"`);
    }
    const f = family(familyOf(name, families));
    if (current && current !== f) finished.add(current.name);
    if (finished.has(f.name)) {
      throw new PrometheusTextError(line, `samples of ${f.name} are not together`);
    }
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seenSamples.has(key)) throw new PrometheusTextError(line, `duplicate sample ${key}`);
    seenSamples.add(key);
    if (f.type === 'counter' && !(value >= 0)) {
      throw new PrometheusTextError(line, `counter ${name} is ${value}`);
    }
    current = f;
    f.samples.push({ name, labels, value });
  });
  for (const f of families.values()) {
    if (f.type === 'histogram' && f.samples.length > 0) checkHistogram(f, currentLine);
  }
  return families;
}

/**
 * The sum of the samples named `name` whose labels include `labels` (0 when there are
 * none): `metricValue(page, 'tiktok_fleet_jobs_total', { queue: 'publish' })`.
 */
export function metricValue(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Record<string, string> = {},
): number {
  let sum = 0;
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (s.name !== name) continue;
      if (Object.entries(labels).every(([k, v]) => s.labels[k] === v)) sum += s.value;
    }
  }
  return sum;
}
