/**
 * A small Prometheus registry: counters, gauges and histograms with labels, rendered in
 * the text exposition format (version 0.0.4).
 */

type Labels = Record<string, string>;

interface Family {
  name: string;
  help: string;
  type: "counter" | "gauge" | "histogram";
  render(): string[];
}

function key(labels: Labels): string {
  // Label names are ASCII: code-unit order, without loading the locale data for it.
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function escape(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll('"', '\\"');
}

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escape(v)}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

function num(v: number): string {
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return Number.isNaN(v) ? "NaN" : String(v);
}

export interface Counter {
  inc(labels?: Labels, by?: number): void;
}
export interface Gauge {
  set(labels: Labels, value: number): void;
}
export interface Histogram {
  observe(labels: Labels, value: number): void;
}

/** A set of metric families; `render` gives the whole scrape. */
export interface Registry {
  /** A counter; with `collect`, its values are read at scrape time from elsewhere. */
  counter(
    name: string,
    help: string,
    collect?: (set: (labels: Labels, value: number) => void) => void,
  ): Counter;
  gauge(
    name: string,
    help: string,
    collect?: (set: (labels: Labels, value: number) => void) => void,
  ): Gauge;
  histogram(name: string, help: string, buckets: number[]): Histogram;
  render(): string;
}

/** Makes an empty registry. */
export function createRegistry(): Registry {
  const families: Family[] = [];
  const names = new Set<string>();
  function add(f: Family) {
    if (names.has(f.name)) throw new Error(`Cannot register metric ${f.name} twice`);
    names.add(f.name);
    families.push(f);
  }
  return {
    counter(name, help, collect) {
      const values = new Map<string, { labels: Labels; value: number }>();
      add({
        name,
        help,
        type: "counter",
        render() {
          collect?.((labels, value) => void values.set(key(labels), { labels, value }));
          return [...values.values()].map((v) => `${name}${labelText(v.labels)} ${num(v.value)}`);
        },
      });
      return {
        inc(labels = {}, by = 1) {
          const k = key(labels);
          const v = values.get(k) ?? { labels, value: 0 };
          v.value += by;
          values.set(k, v);
        },
      };
    },
    gauge(name, help, collect) {
      const values = new Map<string, { labels: Labels; value: number }>();
      const set = (labels: Labels, value: number) =>
        void values.set(key(labels), { labels, value });
      add({
        name,
        help,
        type: "gauge",
        render() {
          if (collect) {
            values.clear();
            collect(set);
          }
          return [...values.values()].map((v) => `${name}${labelText(v.labels)} ${num(v.value)}`);
        },
      });
      return { set };
    },
    histogram(name, help, buckets) {
      const bounds = [...buckets].sort((a, b) => a - b);
      const values = new Map<
        string,
        { labels: Labels; counts: number[]; sum: number; count: number }
      >();
      add({
        name,
        help,
        type: "histogram",
        render: () =>
          [...values.values()].flatMap((v) => [
            ...bounds.map((le, i) =>
              `${name}_bucket${labelText({ ...v.labels, le: num(le) })} ${v.counts[i]}`
            ),
            `${name}_bucket${labelText({ ...v.labels, le: "+Inf" })} ${v.count}`,
            `${name}_sum${labelText(v.labels)} ${num(v.sum)}`,
            `${name}_count${labelText(v.labels)} ${v.count}`,
          ]),
      });
      return {
        observe(labels, value) {
          const k = key(labels);
          const v = values.get(k) ?? { labels, counts: bounds.map(() => 0), sum: 0, count: 0 };
          bounds.forEach((le, i) => {
            if (value <= le) v.counts[i]++;
          });
          v.sum += value;
          v.count++;
          values.set(k, v);
        },
      };
    },
    render() {
      const out: string[] = [];
      for (const f of families) {
        out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`, ...f.render());
      }
      return out.join("\n") + "\n";
    },
  };
}
