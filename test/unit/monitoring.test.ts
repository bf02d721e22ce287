/**
 * terraform/monitoring.tf against the code: every log-based metric's filter matches a line the code
 * really writes (same message / event and field names), and every label it extracts is on that line.
 * A renamed log line or field fails here, not silently in production.
 *
 * - Every google_logging_metric of terraform/ (monitoring.tf, and platform.tf's Somos one) is checked
 *   against the source: the event or message it filters on is written by the code, and the fields its
 *   labels extract are on the lines that write it.
 * - The provider-call and Somos token metrics are checked against lines the code emits here (provider
 *   HTTP client and token manager against an in-process fake, no network); the provisioning, job-item,
 *   dead-letter and relay metrics against the lines of a real run (test/integration/monitoring-logs.test.ts).
 * - The alert policies and the dashboard name metrics that exist, and notify var.notification_channels.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, setLogSink } from '../../shared/log.js';
import { LOG_EVENTS } from '../../shared/log-events.js';
import { createProviderHttp } from '../../shared/providers/http.js';
import { ProviderError } from '../../shared/providers/types.js';
import { LocalSecretStore } from '../../shared/secrets/local-secret-store.js';
import { createMemoryTokenLease, createSomosTokenManager } from '../../shared/providers/somos/token-manager.js';
import { extractLabel, filterComparisons, matchesFilter, parseFilter, toLogEntry } from '../helpers/log-filter.js';
import { linesOfMetric, logMetrics, terraformFiles, type LogMetric } from '../helpers/terraform-metrics.js';

/** Metrics whose lines this file emits (below), and those test/integration/monitoring-logs.test.ts checks in a real run. */
const EXERCISED_HERE = ['numbers_provider_calls', 'numbers_somos_token_renewals', 'numbers_somos_token_failures', 'somos-auth-failures-consecutive', 'numbers_somos_auth_breaker_open'];
const EXERCISED_IN_INTEGRATION = ['numbers_provisioning', 'numbers_job_items', 'numbers_job_dead_letters', 'numbers_relay_delivery_failures'];

/** Fields a line gets from the logger that writes it, not from the call's own object (checked by running it). */
const CONTEXT_FIELDS: Record<string, string[]> = { [LOG_EVENTS.providerCall]: ['provider'] };
/** Events written through a helper: its callers' objects carry the fields. */
const HELPERS: Record<string, string> = { [LOG_EVENTS.provisioning]: 'logProvisioning(' };

async function sourceFiles(): Promise<{ file: string; text: string }[]> {
  const root = new URL('../../', import.meta.url);
  const out: { file: string; text: string }[] = [];
  const walk = async (dir: string) => {
    for (const entry of await readdir(new URL(dir, root), { withFileTypes: true })) {
      const rel = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) await walk(`${rel}/`);
      else if (rel.endsWith('.ts')) out.push({ file: rel, text: await readFile(new URL(rel, root), 'utf8') });
    }
  };
  await walk('shared/');
  await walk('modules/');
  await walk('functions/');
  return out;
}

/** The `{ … }` around position `at` (the object literal a site sits in). */
function enclosingObject(text: string, at: number): string {
  let depth = 0;
  let start = at;
  for (; start >= 0; start--) {
    const c = text[start];
    if (c === '}') depth++;
    else if (c === '{') {
      if (depth === 0) break;
      depth--;
    }
  }
  depth = 0;
  let end = start;
  for (; end < text.length; end++) {
    const c = text[end];
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) break;
  }
  return text.slice(start, end + 1);
}

/** `key: …` or the shorthand `key`, as a property of the object literal (after `{` or `,`). */
const hasKey = (object: string, key: string) => new RegExp(`[{,]\\s*${key}\\s*[:,}]`).test(object);
const payloadField = (extractor: string) => /jsonPayload\.(\w+)/.exec(extractor)?.[1];

describe('log-based metrics (terraform) against the code', () => {
  let metrics: LogMetric[];
  let sources: { file: string; text: string }[];
  beforeEach(async () => {
    metrics ??= await logMetrics();
    sources ??= await sourceFiles();
  });

  it('every metric is checked against emitted lines, here or in the integration run', () => {
    expect(metrics.map((m) => m.name).sort()).toEqual([...EXERCISED_HERE, ...EXERCISED_IN_INTEGRATION].sort());
  });

  it('filters parse and look only at severity, resource and jsonPayload fields; labels are declared and extracted', () => {
    for (const metric of metrics) {
      expect(() => parseFilter(metric.filter), metric.name).not.toThrow();
      for (const { path: p } of filterComparisons(metric.filter)) {
        expect(p[0] === 'severity' || p[0] === 'resource' || (p[0] === 'jsonPayload' && p.length === 2), `${metric.name}: ${p.join('.')}`).toBe(true);
      }
      expect(Object.keys(metric.labelExtractors).sort(), metric.name).toEqual([...metric.descriptorLabels].sort());
      for (const extractor of Object.values(metric.labelExtractors)) expect(payloadField(extractor), `${metric.name}: ${extractor}`).toBeDefined();
    }
  });

  it('the event or message each metric filters on is written by the code, with the fields its labels extract', () => {
    const code = sources.filter((s) => s.file !== 'shared/log-events.ts');
    const eventKeys = Object.fromEntries(Object.entries(LOG_EVENTS).map(([key, value]) => [value, key]));
    for (const metric of metrics) {
      const selectors = filterComparisons(metric.filter).filter((c) => c.op === '=' && c.path[0] === 'jsonPayload' && ['event', 'message'].includes(c.path[1]!));
      expect(selectors, `${metric.name} selects its lines by jsonPayload.event or jsonPayload.message`).toHaveLength(1);
      const { path: p, value } = selectors[0]!;
      const labels = Object.values(metric.labelExtractors).map(payloadField) as string[];
      if (p[1] === 'event') {
        const key = eventKeys[value];
        expect(key, `${metric.name}: event "${value}" is not in LOG_EVENTS (shared/log-events.ts)`).toBeDefined();
        const helper = HELPERS[value];
        const needle = helper ?? `LOG_EVENTS.${key}`;
        const sites = code.flatMap(({ file, text }) => [...text.matchAll(new RegExp(needle.replace(/[.(]/g, '\\$&'), 'g'))].map((m) => ({ file, object: enclosingObject(text, m.index + needle.length) })));
        expect(sites.length, `${metric.name}: nothing writes ${needle}`).toBeGreaterThan(0);
        for (const { file, object } of sites) {
          if (!helper) expect(object, `${file}: ${needle} is not the event field of a log call`).toMatch(new RegExp(`event:\\s*LOG_EVENTS\\.${key}\\b`));
          for (const field of labels.filter((f) => !(CONTEXT_FIELDS[value] ?? []).includes(f))) {
            expect(hasKey(object, field), `${file}: a ${value} line without "${field}" (label of ${metric.name}): ${object}`).toBe(true);
          }
        }
      } else {
        // A message: a string literal in the code (directly or as an exported constant's value).
        const literal = new RegExp(`['"\`]${value.replace(/[.]/g, '\\.')}['"\`]`);
        expect(code.some(({ text }) => literal.test(text)), `${metric.name}: no line is logged with message "${value}"`).toBe(true);
      }
    }
  });
});

describe('lines the code emits match their metrics', () => {
  let lines: Record<string, unknown>[];
  let restore: () => void;
  let metrics: LogMetric[];
  let agent: MockAgent;
  beforeEach(async () => {
    metrics ??= await logMetrics();
    lines = [];
    restore = setLogSink((line) => lines.push(JSON.parse(line)));
    agent = new MockAgent();
    agent.disableNetConnect();
  });
  afterEach(async () => {
    restore();
    await agent.close();
  });
  const metric = (name: string) => metrics.find((m) => m.name === name)!;

  it('provider calls: one line per call, counted by provider and outcome', async () => {
    const origin = 'http://provider.fake';
    const replies = [200, 503, 503, 404];
    agent
      .get(origin)
      .intercept({ path: () => true, method: () => true })
      .reply(() => ({ statusCode: replies.shift() ?? 500, data: '{}', responseOptions: { headers: { 'content-type': 'application/json' } } }))
      .persist();
    const http = createProviderHttp({
      provider: 'telnyx',
      baseUrl: origin,
      dispatcher: agent,
      maxRetries: 1,
      sleep: async () => undefined,
      logger: createLogger(),
      mapError: (status) => new ProviderError('telnyx', `HTTP ${status}`, { httpStatus: status, retryable: false }),
    });
    await http.request({ method: 'GET', path: '/v2/available_phone_numbers', idempotent: true, operation: 'telnyx.search' });
    await http.request({ method: 'GET', path: '/v2/x', idempotent: true }).catch(() => undefined); // 503 twice
    await http.request({ method: 'GET', path: '/v2/y', idempotent: true }).catch(() => undefined); // 404
    const counted = linesOfMetric(metric('numbers_provider_calls'), lines).map((l) => l.labels);
    expect(counted).toEqual([
      { provider: 'telnyx', outcome: 'ok' },
      { provider: 'telnyx', outcome: 'failed' },
      { provider: 'telnyx', outcome: 'rejected' },
    ]);
  });

  it('Somos token: renewals by action, failures by stage and reason, and the consecutive-failures line', async () => {
    const origin = 'http://somos.fake';
    const password = 'Pa55word-very-secret';
    let n = 0;
    agent
      .get(origin)
      .intercept({ path: () => true, method: () => true })
      .reply((opts) => {
        const body = JSON.parse(typeof opts.body === 'string' ? opts.body : '{}') as { password?: string };
        const json = (statusCode: number, data: unknown) => ({ statusCode, data: JSON.stringify(data), responseOptions: { headers: { 'content-type': 'application/json' } } });
        if (opts.path !== '/v3/ip/sec/session/open') return json(200, {});
        if (body.password !== password) return json(401, { errList: [{ errCode: '701001', errMsg: 'Invalid user name or password.' }] });
        n++;
        return json(200, { oauthToken: `access-${n}-abcdef`, refreshToken: `refresh-${n}-abcdef`, clientKey: `ck-${n}`, clientSecret: `cs-${n}-xyz`, expiresIn: 3600 });
      })
      .persist();
    const secrets = new LocalSecretStore();
    await secrets.put('creds', JSON.stringify({ username: 'api-user', password, environment: 'sandbox' }));
    const manager = createSomosTokenManager({
      secrets,
      credentialsSecret: 'creds',
      stateSecret: 'state',
      lease: createMemoryTokenLease(),
      baseUrl: origin,
      http: { dispatcher: agent, maxRetries: 0 },
    });
    await manager.getToken();
    await secrets.put('creds', JSON.stringify({ username: 'api-user', password: 'wrong-wrong-wrong', environment: 'sandbox' }));
    await secrets.delete('state');
    manager.invalidate();
    for (let i = 0; i < 3; i++) await manager.getToken().catch(() => undefined);

    expect(linesOfMetric(metric('numbers_somos_token_renewals'), lines).map((l) => l.labels)).toEqual([{ action: 'opened' }]);
    const failures = linesOfMetric(metric('numbers_somos_token_failures'), lines).map((l) => l.labels);
    expect(failures).toHaveLength(3);
    for (const labels of failures) expect(labels.stage && labels.reason, JSON.stringify(labels)).toBeTruthy();
    expect(linesOfMetric(metric('somos-auth-failures-consecutive'), lines)).toHaveLength(1); // from the third
    // The third rejection also opens the login breaker (ERROR, counted by transition); the fourth caller is not sent.
    expect(linesOfMetric(metric('numbers_somos_auth_breaker_open'), lines).map((l) => l.labels)).toEqual([{ transition: 'tripped' }]);
    await expect(manager.getToken()).rejects.toMatchObject({ status: 503 });
    expect(linesOfMetric(metric('numbers_somos_token_failures'), lines)).toHaveLength(3);
    // The Somos registry calls are provider calls too.
    expect(linesOfMetric(metric('numbers_provider_calls'), lines).map((l) => l.labels)).toContainEqual({ provider: 'somos', outcome: 'failed' });
  });
});

describe('the filter evaluator (test/helpers/log-filter.ts)', () => {
  const entry = toLogEntry({ severity: 'ERROR', message: 'somos.auth_failures_consecutive', event: 'x.y', n: 3, 'logging.googleapis.com/trace': 'projects/p/traces/t' });
  it('reads what Cloud Logging reads', () => {
    expect(entry.trace).toBe('projects/p/traces/t');
    expect(entry.jsonPayload).toEqual({ message: 'somos.auth_failures_consecutive', event: 'x.y', n: 3 });
    expect(matchesFilter('severity>=ERROR AND jsonPayload.message="somos.auth_failures_consecutive"', entry)).toBe(true);
    expect(matchesFilter('severity>=CRITICAL AND jsonPayload.message="somos.auth_failures_consecutive"', entry)).toBe(false);
    expect(matchesFilter('jsonPayload.event="x.y" (jsonPayload.n>2 OR jsonPayload.missing="a")', entry)).toBe(true);
    expect(matchesFilter('jsonPayload.event="x.y" NOT jsonPayload.n=3', entry)).toBe(false);
    expect(matchesFilter('resource.type="cloud_run_revision" jsonPayload.message:"auth_failures"', entry)).toBe(true);
    expect(extractLabel('EXTRACT(jsonPayload.event)', entry)).toBe('x.y');
    expect(extractLabel('REGEXP_EXTRACT(jsonPayload.event, "x\\\\.(.*)")', entry)).toBe('y');
    expect(extractLabel('EXTRACT(jsonPayload.nothing)', entry)).toBeUndefined();
  });
});

describe('alert policies and dashboard', () => {
  it('alert on what the issue names, notify var.notification_channels, and use metrics that exist', async () => {
    const files = await terraformFiles();
    const monitoring = files.find((f) => f.file === 'monitoring.tf')!;
    expect(monitoring, 'terraform/monitoring.tf').toBeDefined();
    const channels = monitoring.hcl.variable?.notification_channels?.[0] as { type?: string; default?: unknown } | undefined;
    expect(channels?.type).toBe('${list(string)}');
    expect(channels?.default).toEqual([]);

    const metricResources = new Set((await logMetrics()).map((m) => m.resource));
    const policies = Object.entries(monitoring.hcl.resource?.google_monitoring_alert_policy ?? {}).map(([name, blocks]) => ({ name, block: blocks[0]! }));
    expect(policies.map((p) => p.name).sort()).toEqual(
      ['function_5xx', 'job_dead_letters', 'provider_error_rate', 'provisioning_failures', 'relay_delivery_failures', 'somos_auth_breaker_open', 'somos_auth_failures', 'somos_token_failures', 'task_queue_backlog'].sort(),
    );
    for (const { name, block } of policies) {
      expect(block.notification_channels, name).toBe('${var.notification_channels}');
      expect(JSON.stringify(block.documentation), name).toContain('content');
      const text = JSON.stringify(block);
      for (const [, resource] of text.matchAll(/google_logging_metric\.(\w+)\.name/g)) expect(metricResources, `${name} uses ${resource}`).toContain(resource);
      for (const [, type] of text.matchAll(/metric\.type=\\"([^"\\]+)\\"/g)) {
        expect(type!.startsWith('${local.log_metric}/') || ['cloudtasks.googleapis.com/queue/depth', 'cloudtasks.googleapis.com/queue/task_attempt_delays'].includes(type!), `${name}: ${type}`).toBe(true);
      }
    }
    // The ratio alerts are PromQL: log-based metric names must be PromQL names, the Cloud Run one is run_googleapis_com:request_count.
    const promql = JSON.stringify(policies.filter((p) => ['provider_error_rate', 'function_5xx'].includes(p.name)));
    expect(promql).toContain('condition_prometheus_query_language');
    expect(promql).toContain('run_googleapis_com:request_count');
    expect(promql).toContain('response_code_class=\\"5xx\\"');
    for (const metric of await logMetrics()) if (promql.includes(`google_logging_metric.${metric.resource}.name`)) expect(metric.name).toMatch(/^[a-zA-Z_][a-zA-Z0-9_]*$/);
  });

  it('has a dashboard with purchases per provider, job throughput, webhook latency and token refreshes', async () => {
    const monitoring = (await terraformFiles()).find((f) => f.file === 'monitoring.tf')!;
    expect(monitoring.hcl.resource?.google_monitoring_dashboard?.platform).toBeDefined();
    for (const title of ['Purchases per provider', 'Bulk job throughput', 'Webhook latency', 'Somos token renewals']) expect(monitoring.text).toContain(title);
    expect(monitoring.text).toContain('run.googleapis.com/request_latencies');
  });
});
