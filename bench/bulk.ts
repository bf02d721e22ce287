/**
 * `npm run bench:bulk [-- --items 1000]`: bulk-purchase throughput through the whole local stack.
 *
 * One purchase job of N distinct numbers (default 5,000; `--items` or env BENCH_ITEMS) goes
 * API → Firestore → Pub/Sub emulator push → worker → local Cloud Tasks (provider-twilio queue at the
 * account limit) → one item task each → Twilio sandbox configured like a busy real account: 50 ms
 * latency per call, an account limit (429 + Retry-After: 1), 5 % transient 503s without effect, and
 * 1 % of task deliveries duplicated by the dispatcher. The account limit is half what this stack
 * carries on this machine, measured first in the same run (see main); `--rate-limit N` fixes it.
 *
 * Prints items/second against the theoretical bound (the account limit: one API call per item
 * at best), wall time, items lost (must be 0: every item ends succeeded and its number is bought),
 * provider operations duplicated (must be 0: every number bought exactly once) and the stack's peak
 * RSS (everything runs in this process; sampled every 100 ms). A compact table, then one JSON line.
 * Exits 1 when items were lost or duplicated, 2 when the stack could not start; a low ratio is a
 * measurement, not a failure.
 *
 * Other knobs (defaults from the issue): --latency MS, --rate-limit PER_S|auto, --calibration-items N,
 * --limit-share 0..1, --failure-rate 0..1,
 * --duplicate-rate 0..1, --queue-rate PER_S, --seed N, --timeout S, --poll-ms MS; --log FILE writes every
 * line the stack logs, prefixed with milliseconds since the job was posted (`pre` before it); --warmup S (default 5,
 * 0 for none) gives the freshly started emulators S seconds of traffic of their own first (their
 * JIT is not the platform's; see bench/warm-emulators.ts).
 */
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MissingToolError, startFirestoreEmulator, startPubsubEmulator, type EmulatorHandle } from '../scripts/local/emulators.js';
import { startStack, type Stack } from '../scripts/local/stack.js';
import { TwilioInventory } from '../scripts/sandboxes/twilio-inventory.js';
import { setLogSink } from '../shared/log.js';
import { warmEmulators } from './warm-emulators.js';
import { PROVIDER_TASK_SECONDS } from '../shared/queue/queues.js';

const { values: args } = parseArgs({
  options: {
    items: { type: 'string' },
    latency: { type: 'string', default: '50' },
    'rate-limit': { type: 'string', default: 'auto' },
    'failure-rate': { type: 'string', default: '0.05' },
    'duplicate-rate': { type: 'string', default: '0.01' },
    'queue-rate': { type: 'string' },
    'calibration-items': { type: 'string', default: '300' },
    'limit-share': { type: 'string', default: '0.5' },
    seed: { type: 'string', default: '0' },
    timeout: { type: 'string' },
    'poll-ms': { type: 'string', default: '1000' },
    log: { type: 'string' },
    warmup: { type: 'string', default: '5' },
    'rival-share': { type: 'string', default: '0.05' },
    'no-pace': { type: 'boolean', default: false },
    'in-process-sandbox': { type: 'boolean', default: false },
  },
});

const num = (name: string, raw: string | undefined, min: number, max = Infinity): number => {
  const n = Number(raw);
  if (raw === undefined || raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    throw new Error(`--${name} must be a number in [${min}, ${max}], got ${raw}`);
  }
  return n;
};

const autoLimit = args['rate-limit'] === 'auto';
const config = {
  items: Math.trunc(num('items', args.items ?? process.env.BENCH_ITEMS ?? '5000', 1, 10_000)),
  latencyMs: num('latency', args.latency, 0),
  /** Set by the calibration when `auto` (below). */
  accountRateLimit: autoLimit ? 0 : num('rate-limit', args['rate-limit'], 1),
  transientFailureRate: num('failure-rate', args['failure-rate'], 0, 1),
  duplicateDeliveryRate: num('duplicate-rate', args['duplicate-rate'], 0, 1),
  /** The provider queue's dispatch rate; by default the account limit, as an operator would set it. */
  queueRate: args['queue-rate'] === undefined ? 0 : num('queue-rate', args['queue-rate'], 0.001),
  seed: Math.trunc(num('seed', args.seed, 0)),
  /** Share of the numbers a second tenant races for with a job of its own, at the same time. */
  rivalShare: num('rival-share', args['rival-share'], 0, 1),
  /** Pace calls per account at the sandbox's limit (PROVIDER_RATE_LIMIT_TWILIO); --no-pace to compare. */
  pace: !args['no-pace'],
};
const pollMs = num('poll-ms', args['poll-ms'], 50);
const warmupSeconds = num('warmup', args.warmup, 0, 120);
const calibrationItems = Math.trunc(num('calibration-items', args['calibration-items'], 50, 5000));
const limitShare = num('limit-share', args['limit-share'], 0.05, 1);
type BenchConfig = typeof config;

const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

// The stack logs in-process; count lines instead of printing them (the cost of formatting stays).
const logCounts = new Map<string, number>();
const lastErrors: string[] = [];
const logFile = args.log ? createWriteStream(args.log) : undefined;
/** Set when the job is posted. Lines logged before it (the stack starting) are marked `pre`. */
let logOrigin: number | undefined;
setLogSink((line) => {
  logFile?.write(`${logOrigin === undefined ? 'pre' : `+${Date.now() - logOrigin}`} ${line}\n`);
  const severity = /^\{"severity":"(\w+)"/.exec(line)?.[1] ?? '?';
  if (severity === 'WARNING' || severity === 'ERROR' || severity === 'CRITICAL') {
    const message = /"message":"((?:[^"\\]|\\.)*)"/.exec(line)?.[1] ?? '?';
    const key = `${severity} ${message}`;
    logCounts.set(key, (logCounts.get(key) ?? 0) + 1);
    if (severity !== 'WARNING') {
      lastErrors.push(line.slice(0, 600));
      if (lastErrors.length > 5) lastErrors.shift();
    }
  } else {
    logCounts.set(severity, (logCounts.get(severity) ?? 0) + 1);
  }
});

/** N distinct available US local numbers, round-robin over the sandbox's area codes (its own inventory). */
function pickNumbers(count: number, seed: number): string[] {
  const inventory = new TwilioInventory(seed);
  const buckets = inventory.bucketKeys('US', 'Local').map((key) => inventory.bucket(key));
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) {
    let any = false;
    for (const bucket of buckets) {
      const n = bucket[i];
      if (!n) continue;
      any = true;
      if (out.length < count) out.push(n.phoneNumber);
    }
    if (!any) throw new Error(`the sandbox stocks only ${out.length} US local numbers; asked for ${count}`);
  }
  return out;
}

/** Starts the Twilio sandbox in a child process (bench/twilio-process.ts) and waits for its URL. */
async function startSandboxProcess(options: object): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'twilio-process.ts'), JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (line.startsWith('url ')) resolve(line.slice(4));
    });
    child.once('exit', (code) => reject(new Error(`the Twilio sandbox process exited (${code})`)));
    child.once('error', reject);
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { url, stop };
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); undefined elsewhere. */
async function cpuSecondsOf(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}

/** Busy and total jiffies of the whole machine (first line of /proc/stat); undefined off Linux. */
async function machineCpu(): Promise<{ busy: number; total: number } | undefined> {
  try {
    const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const total = v.reduce((a, b) => a + b, 0);
    const idle = (v[3] ?? 0) + (v[4] ?? 0); // idle + iowait
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

interface JobView {
  id: string;
  status: string;
  itemCount: number;
  counts: Record<string, number>;
  percent: number;
  startedAt?: string;
  finishedAt?: string;
}

/**
 * The account limit the run measures against. A local stack runs every function instance on this
 * machine's cores, where production scales them out: at a limit above what the machine can carry,
 * the ratio would measure the machine, not the platform's pacing. So by default (`--rate-limit auto`)
 * a first job of --calibration-items runs against an unlimited account with an unlimited queue, and
 * the measured job's account limit (and queue rate) is --limit-share (0.5) of that steady purchase
 * rate — both measured in this run, on this machine. `--rate-limit N` sets it instead.
 */
async function main(): Promise<number> {
  for (const key of Object.keys(process.env)) if (key.endsWith('_API_BASE_URL')) delete process.env[key];
  const cleanup: (() => Promise<unknown>)[] = [];
  try {
    say('starting the Firestore and Pub/Sub emulators…');
    const started = await Promise.allSettled([startFirestoreEmulator({ maxHeap: '1g' }), startPubsubEmulator()]);
    for (const r of started) if (r.status === 'fulfilled') cleanup.push(() => r.value.stop());
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const [firestore, pubsub] = started.map((r) => (r as PromiseFulfilledResult<EmulatorHandle>).value) as [EmulatorHandle, EmulatorHandle];
    if (warmupSeconds > 0) {
      const warmed = await warmEmulators({ firestoreHost: firestore.host, pubsubHost: pubsub.host, seconds: warmupSeconds });
      say(`emulators warmed for ${warmupSeconds} s (${fmt(warmed.firestoreOps)} Firestore operations, ${fmt(warmed.pushes)} Pub/Sub pushes; none through the platform)`);
    }
    let calibration: { itemsPerSecond: number; steadyPerSecond: number } | undefined;
    if (autoLimit) {
      say(`calibrating: ${fmt(calibrationItems)} items against an unlimited account and queue…`);
      const measured = await run({ ...config, items: calibrationItems, accountRateLimit: 100_000, queueRate: 100_000, rivalShare: 0, pace: false }, firestore, pubsub, 'demo-bench-calibration', false);
      if (measured.exit !== 0) return measured.exit;
      calibration = { itemsPerSecond: measured.itemsPerSecond, steadyPerSecond: measured.steadyPerSecond };
      const limit = Math.max(1, Math.round(measured.steadyPerSecond * limitShare));
      say(`this stack's capacity here: ${measured.steadyPerSecond.toFixed(1)} purchases/s steady (${measured.itemsPerSecond.toFixed(1)} items/s end to end); account limit ${limit}/s (${limitShare} of it)`);
      config.accountRateLimit = limit;
    }
    if (!config.queueRate) config.queueRate = config.accountRateLimit;
    return (await run(config, firestore, pubsub, 'demo-bench', true, calibration)).exit;
  } finally {
    for (const step of cleanup.reverse()) await step().catch((err: unknown) => say(`cleanup failed: ${String(err)}`));
  }
}

async function run(
  config: BenchConfig,
  firestore: EmulatorHandle,
  pubsub: EmulatorHandle,
  projectId: string,
  report: boolean,
  calibration?: { itemsPerSecond: number; steadyPerSecond: number },
): Promise<{ exit: number; itemsPerSecond: number; steadyPerSecond: number }> {
  const timeoutMs = (args.timeout ? num('timeout', args.timeout, 1) : 120 + (config.items / Math.min(config.accountRateLimit, 1000)) * 4) * 1000;
  // A stack started before in this process left its sandboxes' URLs, which would stand for real providers.
  for (const key of Object.keys(process.env)) if (key.endsWith('_API_BASE_URL')) delete process.env[key];
  Object.assign(process.env, {
    QUEUE_RATE_TWILIO: String(config.queueRate),
    ...(config.pace ? { PROVIDER_RATE_LIMIT_TWILIO: String(config.accountRateLimit) } : {}),
    LOCAL_RECONCILE_INTERVAL_MINUTES: '0',
    // Spend guards (default 500 purchases a day per tenant) would refuse the job itself.
    LIMIT_PURCHASES_PER_DAY: String(Math.max(10_000, config.items)),
    LIMIT_NUMBERS_HELD: String(Math.max(10_000, config.items)),
  });
  if (!config.pace) delete process.env.PROVIDER_RATE_LIMIT_TWILIO;
  logCounts.clear();
  lastErrors.length = 0;

  const cleanup: (() => Promise<unknown>)[] = [];
  let stack: Stack | undefined;
  try {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'bench-bulk-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));

    // The provider runs apart from the stack, as a real one does (bench/twilio-process.ts), unless
    // --in-process-sandbox: then its admissions share the stack's event loop and its pauses.
    const sandboxOptions = {
      latencyMs: config.latencyMs,
      accountRateLimitPerSecond: config.accountRateLimit,
      transientFailureRate: config.transientFailureRate,
      seed: config.seed,
      // The dev stack's persistence rewrites every owned number on each purchase (O(n²) over a
      // job); it is not part of the platform being measured.
      stateFile: undefined,
    };
    const external = args['in-process-sandbox'] ? undefined : await startSandboxProcess(sandboxOptions);
    if (external) {
      cleanup.push(external.stop);
      process.env.TWILIO_API_BASE_URL = external.url;
    }
    stack = await startStack({
      port: 0,
      dataDir,
      projectId,
      fresh: true,
      firestoreHost: firestore.host,
      pubsubHost: pubsub.host,
      sandboxOptions: { twilio: sandboxOptions },
      taskQueueOptions: { duplicateDeliveryRate: config.duplicateDeliveryRate },
    });
    const running = stack;
    cleanup.push(() => running.stop());
    const inProcess = stack.twilio;
    const twilioUrl = external?.url ?? inProcess?.url;
    if (!twilioUrl) throw new Error('no Twilio sandbox');
    const control = async <T>(p: string): Promise<T> => (await (await fetch(`${twilioUrl}/__sandbox/${p}`)).json()) as T;
    const twilio = {
      purchaseCounts: () => (inProcess ? Promise.resolve(inProcess.purchaseCounts()) : control<Record<string, number>>('purchases')),
      requestLog: async () => (inProcess ? inProcess.requestLog() : (await control<{ requests: { method: string; path: string; status: number; at: number }[] }>('requests')).requests),
    };

    const numbers = pickNumbers(config.items, config.seed);
    const token = await stack.token('bench', 'member', 'bench');
    const rivalToken = await stack.token('bench-rival', 'member', 'rival');
    const api = async (method: string, p: string, body?: unknown, bearer = token) => {
      const res = await fetch(`${running.url}${p}`, {
        method,
        headers: { authorization: `Bearer ${bearer}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    };

    // Peak memory of the whole stack (this process), every 100 ms while the job runs.
    const baselineRss = process.memoryUsage().rss;
    const cpuBefore = process.cpuUsage();
    const emulatorCpuBefore = await Promise.all([firestore.pid, pubsub.pid].map(cpuSecondsOf));
    const machineBefore = await machineCpu();
    const inFlightSamples: number[] = [];
    const dispatchSampler = setInterval(() => {
      const q = running.tasks.stats()['provider-twilio'];
      if (q) inFlightSamples.push(q.inFlight);
    }, 250);
    cleanup.push(async () => clearInterval(dispatchSampler));
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    let peakRss = baselineRss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 100);
    cleanup.push(async () => clearInterval(sampler));

    const { getFirestore } = await import('../shared/store/firestore.js');
    const db = await getFirestore(projectId);
    say(`stack up on ${stack.url}; submitting a ${fmt(config.items)}-item purchase job`);
    const postedAt = Date.now();
    logOrigin = postedAt;
    const created = await api('POST', '/v1/jobs', { type: 'purchase', provider: 'twilio', items: numbers.map((phoneNumber) => ({ phoneNumber })) });
    if (created.status !== 202) throw new Error(`POST /v1/jobs answered ${created.status}: ${JSON.stringify(created.body).slice(0, 500)}`);
    const jobId = created.body.id as string;
    const acceptedMs = Date.now() - postedAt;
    // A second tenant races for a share of the same numbers (every other one of the first few hundred).
    const rivalNumbers = numbers.filter((_, i) => i % 2 === 0).slice(0, Math.round(config.items * config.rivalShare));
    if (rivalNumbers.length) {
      const rival = await api('POST', '/v1/jobs', { type: 'purchase', provider: 'twilio', items: rivalNumbers.map((phoneNumber) => ({ phoneNumber })) }, rivalToken);
      if (rival.status !== 202) throw new Error(`the rival's POST /v1/jobs answered ${rival.status}: ${JSON.stringify(rival.body).slice(0, 500)}`);
    }

    let job: JobView | undefined;
    let lastReport = Date.now();
    const deadline = postedAt + timeoutMs;
    for (;;) {
      const res = await api('GET', `/v1/jobs/${jobId}`);
      if (res.status === 200) job = res.body as unknown as JobView;
      if (job?.finishedAt) break;
      if (Date.now() > deadline) {
        say(`timed out after ${Math.round(timeoutMs / 1000)} s`);
        break;
      }
      if (job && Date.now() - lastReport >= 5000) {
        lastReport = Date.now();
        const c = job.counts;
        say(`${job.percent}% — succeeded ${c.succeeded ?? 0}, failed ${c.failed ?? 0}, running ${c.running ?? 0}, queued ${c.queued ?? 0} (${Math.round((Date.now() - postedAt) / 1000)} s)`);
      }
      await sleep(pollMs);
    }
    clearInterval(sampler);
    loopDelay.disable();
    clearInterval(dispatchSampler);
    const machineAfter = await machineCpu();
    const machineBusy =
      machineBefore && machineAfter && machineAfter.total > machineBefore.total
        ? (machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total)
        : undefined;
    const avgInFlight = inFlightSamples.length ? inFlightSamples.reduce((a, b) => a + b, 0) / inFlightSamples.length : 0;
    const cpu = process.cpuUsage(cpuBefore);
    const emulatorCpuAfter = await Promise.all([firestore.pid, pubsub.pid].map(cpuSecondsOf));
    const emulatorCpu = emulatorCpuAfter.map((after, i) => (after !== undefined && emulatorCpuBefore[i] !== undefined ? after - emulatorCpuBefore[i] : undefined));
    if (!job) throw new Error('the job could not be read');
    const finishedAt = job.finishedAt ? Date.parse(job.finishedAt) : Date.now();
    const wallMs = finishedAt - postedAt;
    const processingMs = job.startedAt ? finishedAt - Date.parse(job.startedAt) : wallMs;

    // Deliveries still in flight (a duplicate of the last items) must not buy anything either.
    await Promise.race([stack.tasks.idle('provider-twilio'), sleep(30_000)]);

    // Lost: items not succeeded, or succeeded without the provider having sold the number.
    // One tenant per number: which numbers each tenant holds (pending, active or inactive).
    const heldBy = async (tenant: string) =>
      new Set((await db.collection(`tenants/${tenant}/numbers`).where('status', 'in', ['pending', 'active', 'inactive']).get()).docs.map((d) => d.get('phoneNumber') as string));
    const [ours, theirs] = await Promise.all([heldBy('bench'), heldBy('bench-rival')]);
    const heldByTwo = [...theirs].filter((n) => ours.has(n)).length;
    // An item refused because the rival holds its number was answered rightly: not lost.
    const open = await db.collection(`tenants/bench/jobs/${jobId}/items`).where('state', '!=', 'succeeded').get();
    const lost = new Set(open.docs.map((d) => (d.get('input') as { phoneNumber: string }).phoneNumber).filter((n) => !theirs.has(n)));
    const counts = await twilio.purchaseCounts();
    const requested = new Set(numbers);
    let duplicated = 0;
    for (const n of numbers) {
      const c = counts[n] ?? 0;
      if (c === 0) lost.add(n);
      if (c > 1) duplicated += c - 1;
    }
    for (const [n, c] of Object.entries(counts)) if (!requested.has(n)) duplicated += c; // bought without being asked

    const requests = await twilio.requestLog();
    const byStatus: Record<string, number> = {};
    for (const r of requests) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    const purchasePosts = requests.filter((r) => r.method === 'POST' && r.path.endsWith('/IncomingPhoneNumbers.json')).length;
    const queue = stack.tasks.stats()['provider-twilio'];

    // Where the wall time went: until the provider saw the first purchase, the provider's busy
    // span (first to last answered purchase) and its steady rate, and the tail after it.
    const bought = requests.filter((r) => r.status === 201).map((r) => r.at).sort((a, b) => a - b);
    const firstRequestAt = Math.min(...requests.map((r) => r.at));
    const lastBoughtAt = bought.at(-1) ?? finishedAt;
    const middle = bought.slice(Math.floor(bought.length * 0.1), Math.ceil(bought.length * 0.9));
    const steadyPerSecond = middle.length > 1 ? ((middle.length - 1) * 1000) / (middle.at(-1)! - middle[0]!) : 0;
    const timeline = {
      toFirstProviderCallSeconds: Math.round((firstRequestAt - postedAt) / 10) / 100,
      providerBusySeconds: Math.round((lastBoughtAt - firstRequestAt) / 10) / 100,
      afterLastPurchaseSeconds: Math.round((finishedAt - lastBoughtAt) / 10) / 100,
      steadyPurchasesPerSecond: Math.round(steadyPerSecond * 10) / 10,
    };

    // Each item needs at least one call; a 503 adds a second purchase attempt (a look-up only if that is refused).
    const admittedRequests = requests.length - (byStatus['429'] ?? 0);
    const requestsPerItem = admittedRequests / config.items;
    const seconds = wallMs / 1000;
    const itemsPerSecond = config.items / seconds;
    const bound = Math.min(config.accountRateLimit, config.queueRate);
    const ratio = itemsPerSecond / config.accountRateLimit;
    const rateLimitedShare = requests.length ? (byStatus['429'] ?? 0) / requests.length : 0;
    // Each 429: when (seconds since the POST), and how short the span was of the limit's worth of
    // admitted requests before it (under 1000 ms: the calls arrived closer together than they left).
    const admittedAt = requests.filter((r) => r.status !== 429).map((r) => r.at).sort((a, b) => a - b);
    const rateLimited = requests
      .filter((r) => r.status === 429)
      .map((r) => {
        const before = admittedAt.filter((t) => t <= r.at);
        const limit = Math.floor(config.accountRateLimit);
        const span = before.length >= limit ? r.at - before[before.length - limit]! : null;
        return { atSeconds: Math.round((r.at - postedAt) / 10) / 100, spanOfLimitMs: span };
      });
    const rivalWon = rivalNumbers.filter((n) => theirs.has(n)).length;
    const result = {
      bench: 'bulk-purchase',
      items: config.items,
      status: job.status,
      itemsPerSecond: Math.round(itemsPerSecond * 100) / 100,
      boundPerSecond: config.accountRateLimit,
      requestsPerItem: Math.round(requestsPerItem * 1000) / 1000,
      effectiveBoundPerSecond: Math.round((config.accountRateLimit / Math.max(1, requestsPerItem)) * 10) / 10,
      ratio: Math.round(ratio * 1000) / 1000,
      wallSeconds: Math.round(seconds * 100) / 100,
      timeline,
      processingSeconds: Math.round(processingMs / 10) / 100,
      acceptSeconds: Math.round(acceptedMs / 10) / 100,
      itemsLost: lost.size,
      duplicatedOperations: duplicated,
      heldByTwoTenants: heldByTwo,
      rateLimitedShare: Math.round(rateLimitedShare * 10_000) / 10_000,
      rateLimited,
      rival: { numbers: rivalNumbers.length, won: rivalWon },
      peakRssMb: mb(peakRss),
      cpuSeconds: {
        stack: Math.round((cpu.user + cpu.system) / 1e4) / 100,
        firestoreEmulator: emulatorCpu[0] !== undefined ? Math.round(emulatorCpu[0] * 100) / 100 : null,
        pubsubEmulator: emulatorCpu[1] !== undefined ? Math.round(emulatorCpu[1] * 100) / 100 : null,
      },
      machineCpuBusy: machineBusy !== undefined ? Math.round(machineBusy * 1000) / 1000 : null,
      inFlight: { avg: Math.round(avgInFlight * 10) / 10, max: Math.max(0, ...inFlightSamples) },
      eventLoopDelayMs: { p50: Math.round(loopDelay.percentile(50) / 1e4) / 100, p99: Math.round(loopDelay.percentile(99) / 1e4) / 100, max: Math.round(loopDelay.max / 1e4) / 100 },
      baselineRssMb: mb(baselineRss),
      counts: job.counts,
      providerRequests: requests.length,
      providerByStatus: byStatus,
      purchaseAttempts: purchasePosts,
      queue,
      config: { ...config, queueBoundPerSecond: bound, emulatorWarmupSeconds: warmupSeconds },
      calibration: calibration ? { ...calibration, items: calibrationItems, limitShare } : null,
      cpus: (await import('node:os')).availableParallelism(),
      node: process.version,
    };

    const exit = lost.size > 0 || duplicated > 0 || heldByTwo > 0 ? 1 : 0;
    if (!report) {
      if (exit) say(`calibration: ${lost.size} lost, ${duplicated} duplicated, ${heldByTwo} held by two tenants`);
      return { exit, itemsPerSecond, steadyPerSecond };
    }
    const rows: [string, string][] = [
      ['items', fmt(config.items)],
      ['items/second', fmt(itemsPerSecond, 1)],
      [
        'theoretical bound',
        `${fmt(config.accountRateLimit, 1)}/s (account limit${calibration ? `: ${limitShare} of this stack's ${calibration.steadyPerSecond.toFixed(1)} purchases/s measured first, unlimited` : ''})`,
      ],
      ['ratio', `${ratio.toFixed(3)} (target ≥ 0.9)`],
      [
        'requests per item',
        `${requestsPerItem.toFixed(3)} admitted by the account limit → at most ${(config.accountRateLimit / Math.max(1, requestsPerItem)).toFixed(1)} items/s with these faults`,
      ],
      ['wall time', `${seconds.toFixed(1)} s (POST → finished; API answered in ${(acceptedMs / 1000).toFixed(2)} s; started → finished ${(processingMs / 1000).toFixed(1)} s)`],
      [
        'timeline',
        `first provider call after ${timeline.toFirstProviderCallSeconds} s; provider busy ${timeline.providerBusySeconds} s at a steady ${timeline.steadyPurchasesPerSecond} purchases/s (middle 80 %); finished ${timeline.afterLastPurchaseSeconds} s after the last purchase`,
      ],
      ['items lost', String(lost.size)],
      ['duplicated operations', String(duplicated)],
      ['held by two tenants', `${heldByTwo} (a rival tenant raced for ${rivalNumbers.length} of the numbers and got ${rivalWon})`],
      ['429 share', `${(rateLimitedShare * 100).toFixed(1)}% of provider requests (target < 5 %; calls ${config.pace ? 'paced' : 'not paced'} per account)`],
      ['peak RSS', `${mb(peakRss)} MB (at submit: ${mb(baselineRss)} MB)`],
      [
        'CPU (during the job)',
        `stack ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s, Firestore emulator ${emulatorCpu[0]?.toFixed(1) ?? '?'} s, Pub/Sub emulator ${emulatorCpu[1]?.toFixed(1) ?? '?'} s of ${seconds.toFixed(1)} s wall × ${result.cpus} cores`,
      ],
      ['machine CPU busy', machineBusy !== undefined ? `${(machineBusy * 100).toFixed(0)}% (all processes, ${result.cpus} cores)` : '?'],
      ['tasks in flight', `avg ${result.inFlight.avg}, max ${result.inFlight.max} (provider-twilio, limit ${Math.max(2, Math.ceil(config.queueRate * PROVIDER_TASK_SECONDS))})`],
      ['event-loop delay', `p50 ${result.eventLoopDelayMs.p50} ms, p99 ${result.eventLoopDelayMs.p99} ms, max ${result.eventLoopDelayMs.max} ms`],
      ['job', `${job.status}: ${Object.entries(job.counts).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(', ')}`],
      ['provider requests', `${fmt(requests.length)} (${Object.entries(byStatus).map(([s, n]) => `${s}: ${fmt(n)}`).join(', ')}); purchase POSTs ${fmt(purchasePosts)}`],
      ['provider queue', queue ? `dispatched ${fmt(queue.dispatched)}, retried ${fmt(queue.retried)}, failed ${queue.failed}, duplicate deliveries ${queue.duplicated}` : '-'],
      [
        'sandbox',
        `${args['in-process-sandbox'] ? 'in the stack process' : 'own process'}; ${config.latencyMs} ms latency, ${config.accountRateLimit}/s account limit, ${config.transientFailureRate * 100}% transient 503s; ${config.duplicateDeliveryRate * 100}% duplicate deliveries; queue ${config.queueRate}/s`,
      ],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    console.log(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n'));
    const warnings = [...logCounts].filter(([k]) => k.includes(' ')).sort((a, b) => b[1] - a[1]);
    if (warnings.length) say(`log warnings/errors: ${warnings.slice(0, 8).map(([k, v]) => `${v}× ${k}`).join('; ')}`);
    if (lost.size > 0) {
      say(`lost (first 10): ${[...lost].slice(0, 10).join(', ')}`);
      for (const line of lastErrors) say(`error: ${line}`);
    }
    console.log(JSON.stringify(result));
    return { exit, itemsPerSecond, steadyPerSecond };
  } finally {
    for (const step of cleanup.reverse()) await step().catch((err: unknown) => say(`cleanup failed: ${String(err)}`));
  }
}

try {
  process.exitCode = await main();
} catch (err) {
  if (err instanceof MissingToolError) say(err.message);
  else say(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 2;
}
// Keep-alive sockets and SDK channels may linger after stop(); the measurement is done.
setTimeout(() => process.exit(), 2000).unref();
