import { readdir, readFile } from 'node:fs/promises';
import { parse } from '@cdktf/hcl2json';
import { extractLabel, matchesFilter, toLogEntry, type LogEntry } from './log-filter.js';

/** A google_logging_metric as Terraform declares it (any .tf file of terraform/). */
export interface LogMetric {
  resource: string;
  file: string;
  name: string;
  filter: string;
  labelExtractors: Record<string, string>;
  descriptorLabels: string[];
}

type Blocks = Record<string, Record<string, Record<string, unknown>[]>>;

export async function terraformFiles(): Promise<{ file: string; text: string; hcl: { resource?: Blocks; variable?: Record<string, unknown[]>; locals?: Record<string, unknown>[] } }[]> {
  const dir = new URL('../../terraform/', import.meta.url);
  const files = (await readdir(dir)).filter((f) => f.endsWith('.tf')).sort();
  return Promise.all(
    files.map(async (file) => {
      const text = await readFile(new URL(file, dir), 'utf8');
      return { file, text, hcl: (await parse(file, text)) as never };
    }),
  );
}

export async function logMetrics(): Promise<LogMetric[]> {
  const metrics: LogMetric[] = [];
  for (const { file, hcl } of await terraformFiles()) {
    for (const [resource, blocks] of Object.entries(hcl.resource?.google_logging_metric ?? {})) {
      const block = blocks[0]! as { name: string; filter: string; label_extractors?: Record<string, string>; metric_descriptor?: { labels?: { key: string }[] }[] };
      metrics.push({
        resource,
        file,
        name: block.name,
        filter: block.filter,
        labelExtractors: block.label_extractors ?? {},
        descriptorLabels: (block.metric_descriptor?.[0]?.labels ?? []).map((l) => l.key),
      });
    }
  }
  return metrics;
}

/** The lines (as LogEntries) a metric counts, and what each of its labels extracts from them. */
export function linesOfMetric(metric: LogMetric, lines: (string | Record<string, unknown>)[]): { entry: LogEntry; labels: Record<string, string | undefined> }[] {
  return lines
    .map((line) => toLogEntry(line))
    .filter((entry) => matchesFilter(metric.filter, entry))
    .map((entry) => ({ entry, labels: Object.fromEntries(Object.entries(metric.labelExtractors).map(([key, extractor]) => [key, extractLabel(extractor, entry)])) }));
}
