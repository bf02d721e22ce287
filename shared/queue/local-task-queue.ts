/**
 * TaskQueue for the dev stack and tests that behaves like Cloud Tasks: it really
 * POSTs each task's JSON body to its URL once the schedule time has come, honours
 * each queue's rate (token bucket) and concurrency, retries non-2xx answers and
 * network errors with exponential backoff up to maxAttempts (then logs and drops
 * the task), and dedupes task ids, also for tasks already dispatched (tombstones).
 * Tests and benchmarks may ask for duplicate deliveries (duplicateDeliveryRate), as
 * Cloud Tasks' at-least-once delivery occasionally makes.
 *
 * No polling: one timer, set for the next moment something can happen (a task
 * falls due or a queue earns a dispatch token); completions re-run the scheduler.
 */
import { randomUUID } from 'node:crypto';
import { createLogger, type Logger } from '../log.js';
import {
  DEFAULT_QUEUE_CONFIG,
  validateQueueConfig,
  validateTask,
  type QueueConfig,
  type TaskQueue,
  type TaskRequest,
} from './task-queue.js';

export interface LocalQueueConfig extends QueueConfig {
  /**
   * Dispatches a queue may make at once after being idle. Cloud Tasks picks this itself from the
   * rate (it is output-only there). The default here is 2 (1 below 2/s): with a bucket of one, a
   * timer that fires late on a busy event loop loses the credit it earned meanwhile and a 50/s
   * queue measurably dispatched ~46/s; one token of slack keeps the configured rate.
   */
  maxBurstSize?: number;
}

export interface LocalTaskQueueOptions {
  queues?: Record<string, LocalQueueConfig>;
  /** Settings of any queue not named in `queues` (default: Cloud Tasks' defaults). */
  defaultQueue?: LocalQueueConfig;
  fetchImpl?: typeof fetch;
  logger?: Logger;
  /** Added as Authorization to each dispatch (e.g. a locally minted OIDC-like token). */
  authHeader?: (task: { url: string; audience: string }) => Promise<string | undefined>;
  /** How long dispatched/dropped task ids keep deduplicating; default 1 h. */
  tombstoneTtlMs?: number;
  /** Per-attempt deadline; default 10 min (Cloud Tasks' default dispatchDeadline). */
  dispatchDeadlineMs?: number;
  /** Used in task names; defaults 'local' / 'local'. */
  projectId?: string;
  location?: string;
  /** Clock, for tests; default Date.now. */
  now?: () => number;
  /**
   * Tests and benchmarks only: 0..1 (default 0), the fraction of successful dispatches that are
   * delivered once more (same task name and headers, through the same queue and its limits),
   * as Cloud Tasks' at-least-once delivery may do. A duplicate is never duplicated or retried itself.
   */
  duplicateDeliveryRate?: number;
  /** Random source for duplicateDeliveryRate, for tests; returns [0, 1). Default Math.random. */
  random?: () => number;
}

export interface QueueStats {
  /** Tasks delivered (answered 2xx). */
  dispatched: number;
  /** Tasks dropped after maxAttempts. */
  failed: number;
  /** Attempts that were retried (non-2xx or network error). */
  retried: number;
  /** Enqueue calls answered as duplicates. */
  deduplicated: number;
  /** Extra deliveries made by duplicateDeliveryRate (not counted in dispatched). */
  duplicated: number;
  /** Tasks waiting (scheduled, backing off or throttled). */
  pending: number;
  inFlight: number;
}

interface LocalTask {
  name: string;
  shortId: string;
  queue: string;
  url: string;
  audience: string;
  bodyJson: string;
  headers: Record<string, string>;
  /** Original schedule time (X-CloudTasks-TaskETA). */
  eta: number;
  /** When it may be dispatched next. */
  dueAt: number;
  /** Attempts made so far. */
  attempts: number;
  /** Attempts that got a response other than 503 (X-CloudTasks-TaskExecutionCount). */
  executions: number;
  previousResponse?: number;
  /** Insertion order, for FIFO among equal due times. */
  seq: number;
  /** A deliberate extra delivery of a task already delivered (duplicateDeliveryRate). */
  duplicate?: boolean;
}

interface QueueState {
  id: string;
  config: Required<LocalQueueConfig>;
  pending: LocalTask[]; // sorted by (dueAt, seq)
  inFlight: number;
  tokens: number;
  refilledAt: number;
  stats: { dispatched: number; failed: number; retried: number; deduplicated: number; duplicated: number };
}

const MAX_TIMER_MS = 2_147_483_647;

export class LocalTaskQueue implements TaskQueue {
  private readonly queueConfigs: Record<string, LocalQueueConfig>;
  private readonly defaultConfig: LocalQueueConfig;
  private readonly fetchImpl: typeof fetch;
  private readonly log: Logger;
  private readonly authHeader: ((task: { url: string; audience: string }) => Promise<string | undefined>) | undefined;
  private readonly tombstoneTtlMs: number;
  private readonly dispatchDeadlineMs: number;
  private readonly projectId: string;
  private readonly location: string;
  private readonly now: () => number;
  private readonly duplicateDeliveryRate: number;
  private readonly random: () => number;

  private readonly queues = new Map<string, QueueState>();
  /** Task name → expiry of its dedupe tombstone (Infinity while pending/in flight). */
  private readonly known = new Map<string, number>();
  private readonly inFlightControllers = new Set<AbortController>();
  private idleWaiters: Array<{ queue?: string; resolve: () => void }> = [];
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private closed = false;
  private seq = 0;
  private lastSweep = 0;

  constructor(options: LocalTaskQueueOptions = {}) {
    this.queueConfigs = { ...(options.queues ?? {}) };
    this.defaultConfig = options.defaultQueue ?? DEFAULT_QUEUE_CONFIG;
    for (const [id, config] of Object.entries(this.queueConfigs)) validateQueueConfig(id, config);
    validateQueueConfig('(default)', this.defaultConfig);
    this.fetchImpl = options.fetchImpl ?? fetch;
    this.log = options.logger ?? createLogger({ component: 'local-task-queue' });
    this.authHeader = options.authHeader;
    this.tombstoneTtlMs = options.tombstoneTtlMs ?? 3_600_000;
    this.dispatchDeadlineMs = options.dispatchDeadlineMs ?? 600_000;
    this.projectId = options.projectId ?? 'local';
    this.location = options.location ?? 'local';
    this.now = options.now ?? Date.now;
    const rate = options.duplicateDeliveryRate ?? 0;
    if (!(rate >= 0 && rate <= 1)) throw new Error(`duplicateDeliveryRate must be between 0 and 1, got ${rate}`);
    this.duplicateDeliveryRate = rate;
    this.random = options.random ?? Math.random;
  }

  async enqueue(request: TaskRequest): Promise<{ name: string; deduplicated: boolean }> {
    if (this.closed) throw new Error('LocalTaskQueue is closed');
    const now = this.now();
    const task = validateTask(request, now);
    const q = this.queue(task.queue);
    const shortId = task.id ?? randomUUID().replace(/-/g, '');
    const name = `projects/${this.projectId}/locations/${this.location}/queues/${task.queue}/tasks/${shortId}`;

    this.sweepTombstones(now);
    const known = this.known.get(name);
    if (known !== undefined && known > now) {
      q.stats.deduplicated++;
      this.log.debug('task deduplicated', { task: name, queue: task.queue });
      return { name, deduplicated: true };
    }
    this.known.set(name, Infinity);

    const due = Math.max(now, task.scheduleAt?.getTime() ?? now);
    this.insert(q, {
      name,
      shortId,
      queue: task.queue,
      url: task.url.href,
      audience: task.audience,
      bodyJson: task.bodyJson,
      headers: task.headers,
      eta: task.scheduleAt?.getTime() ?? now,
      dueAt: due,
      attempts: 0,
      executions: 0,
      seq: this.seq++,
    });
    this.log.debug('task enqueued', { task: name, queue: task.queue, dueAt: new Date(due).toISOString() });
    this.pump();
    return { name, deduplicated: false };
  }

  /** Stops timers and in-flight requests; pending tasks are discarded, nothing further is dispatched. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
    for (const q of this.queues.values()) q.pending = [];
    for (const controller of this.inFlightControllers) controller.abort();
    this.checkIdle();
  }

  /**
   * Resolves when nothing is pending or in flight (tests) — in one queue, or in all.
   * A task scheduled far ahead keeps it waiting.
   */
  idle(queue?: string): Promise<void> {
    if (this.isIdle(queue)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push({ ...(queue ? { queue } : {}), resolve }));
  }

  stats(): Record<string, QueueStats> {
    const out: Record<string, QueueStats> = {};
    for (const [id, q] of this.queues) out[id] = { ...q.stats, pending: q.pending.length, inFlight: q.inFlight };
    return out;
  }

  // ---------------------------------------------------------------------------

  private queue(id: string): QueueState {
    let q = this.queues.get(id);
    if (!q) {
      const base = this.queueConfigs[id] ?? this.defaultConfig;
      const config: Required<LocalQueueConfig> = { ...base, maxBurstSize: Math.max(1, base.maxBurstSize ?? (base.maxDispatchesPerSecond >= 2 ? 2 : 1)) };
      q = {
        id,
        config,
        pending: [],
        inFlight: 0,
        tokens: config.maxBurstSize,
        refilledAt: this.now(),
        stats: { dispatched: 0, failed: 0, retried: 0, deduplicated: 0, duplicated: 0 },
      };
      this.queues.set(id, q);
    }
    return q;
  }

  private insert(q: QueueState, task: LocalTask): void {
    // Binary search for the first element ordered after `task`.
    let lo = 0;
    let hi = q.pending.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const other = q.pending[mid]!;
      if (other.dueAt < task.dueAt || (other.dueAt === task.dueAt && other.seq < task.seq)) lo = mid + 1;
      else hi = mid;
    }
    q.pending.splice(lo, 0, task);
  }

  private refill(q: QueueState, now: number): void {
    const elapsed = now - q.refilledAt;
    if (elapsed > 0) {
      q.tokens = Math.min(q.config.maxBurstSize, q.tokens + (elapsed * q.config.maxDispatchesPerSecond) / 1000);
    }
    q.refilledAt = now;
  }

  /** Dispatches whatever may go now and arms the timer for the next moment something can. */
  private pump(): void {
    if (this.closed) return;
    const now = this.now();
    let wakeAt = Infinity;
    for (const q of this.queues.values()) {
      this.refill(q, now);
      while (q.pending.length > 0 && q.pending[0]!.dueAt <= now && q.inFlight < q.config.maxConcurrentDispatches) {
        if (q.tokens < 1) {
          wakeAt = Math.min(wakeAt, now + Math.ceil(((1 - q.tokens) * 1000) / q.config.maxDispatchesPerSecond));
          break;
        }
        q.tokens -= 1;
        const task = q.pending.shift()!;
        q.inFlight++;
        void this.dispatch(q, task);
      }
      const head = q.pending[0];
      if (head && head.dueAt > now) wakeAt = Math.min(wakeAt, head.dueAt);
      // Due but concurrency-bound: a completion calls pump() again.
    }
    this.arm(wakeAt, now);
  }

  private arm(wakeAt: number, now: number): void {
    if (wakeAt === this.timerAt && this.timer) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = wakeAt;
    if (wakeAt === Infinity) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(1, wakeAt - now));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, delay);
  }

  private async dispatch(q: QueueState, task: LocalTask): Promise<void> {
    task.attempts++;
    const controller = new AbortController();
    this.inFlightControllers.add(controller);
    const deadline = setTimeout(() => controller.abort(new Error('dispatch deadline exceeded')), this.dispatchDeadlineMs);
    let status: number | undefined;
    let error: unknown;
    try {
      const headers: Record<string, string> = {
        ...task.headers,
        'X-CloudTasks-QueueName': task.queue,
        'X-CloudTasks-TaskName': task.shortId,
        'X-CloudTasks-TaskRetryCount': String(task.attempts - 1),
        'X-CloudTasks-TaskExecutionCount': String(task.executions),
        'X-CloudTasks-TaskETA': (task.eta / 1000).toFixed(6),
      };
      if (task.previousResponse !== undefined) headers['X-CloudTasks-TaskPreviousResponse'] = String(task.previousResponse);
      const authorization = this.authHeader ? await this.authHeader({ url: task.url, audience: task.audience }) : undefined;
      if (authorization) headers['Authorization'] = authorization;
      if (controller.signal.aborted) throw controller.signal.reason;
      const res = await this.fetchImpl(task.url, {
        method: 'POST',
        headers,
        body: task.bodyJson,
        signal: controller.signal,
        redirect: 'manual', // Cloud Tasks does not follow redirects
      });
      status = res.status;
      // Drain the body so the connection can be reused.
      await res.arrayBuffer().catch(() => undefined);
    } catch (err) {
      error = err;
    } finally {
      clearTimeout(deadline);
      this.inFlightControllers.delete(controller);
      q.inFlight--;
    }

    if (this.closed) {
      if (!task.duplicate) this.forget(task);
      this.checkIdle();
      return;
    }

    if (task.duplicate) {
      // The task itself was delivered already: whatever this extra delivery got, it is not retried.
      q.stats.duplicated++;
      this.log.debug('duplicate delivery made', { task: task.name, queue: task.queue, result: status ?? errorMessage(error) });
    } else if (status !== undefined && status >= 200 && status < 300) {
      q.stats.dispatched++;
      this.tombstone(task);
      this.log.debug('task delivered', { task: task.name, queue: task.queue, status, attempts: task.attempts });
      if (this.duplicateDeliveryRate > 0 && this.random() < this.duplicateDeliveryRate) {
        // Same name and delivery headers as the delivery that just succeeded.
        this.insert(q, { ...task, attempts: task.attempts - 1, dueAt: this.now(), seq: this.seq++, duplicate: true });
      }
    } else {
      if (status !== undefined && status !== 503) task.executions++;
      if (status !== undefined) task.previousResponse = status;
      const reason = status !== undefined ? `HTTP ${status}` : errorMessage(error);
      const { maxAttempts, minBackoffMs, maxBackoffMs } = q.config;
      if (maxAttempts > 0 && task.attempts >= maxAttempts) {
        q.stats.failed++;
        this.tombstone(task);
        this.log.error('task dropped after max attempts', {
          task: task.name,
          queue: task.queue,
          url: task.url,
          attempts: task.attempts,
          lastResult: reason,
        });
      } else {
        q.stats.retried++;
        // Cloud Tasks: min_backoff doubled per retry (max_doublings 16), capped at max_backoff.
        const backoff = Math.min(maxBackoffMs, minBackoffMs * 2 ** Math.min(task.attempts - 1, 16));
        task.dueAt = this.now() + backoff;
        task.seq = this.seq++;
        this.insert(q, task);
        this.log.warn('task attempt failed; will retry', {
          task: task.name,
          queue: task.queue,
          attempt: task.attempts,
          result: reason,
          retryInMs: backoff,
        });
      }
    }
    this.pump();
    this.checkIdle();
  }

  private tombstone(task: LocalTask): void {
    this.known.set(task.name, this.now() + this.tombstoneTtlMs);
  }
  private forget(task: LocalTask): void {
    this.known.delete(task.name);
  }

  /** Drops expired tombstones, at most once a minute (lookups check expiry themselves). */
  private sweepTombstones(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [name, expiresAt] of this.known) if (expiresAt <= now) this.known.delete(name);
  }

  private isIdle(queue?: string): boolean {
    for (const [id, q] of this.queues) {
      if (queue && id !== queue) continue;
      if (q.pending.length > 0 || q.inFlight > 0) return false;
    }
    return true;
  }

  private checkIdle(): void {
    const ready = this.idleWaiters.filter((w) => this.isIdle(w.queue));
    if (ready.length === 0) return;
    this.idleWaiters = this.idleWaiters.filter((w) => !ready.includes(w));
    for (const waiter of ready) waiter.resolve();
  }
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    const code = cause && typeof cause === 'object' ? (cause as { code?: unknown }).code : undefined;
    return code ? `${err.message} (${typeof code === 'string' || typeof code === 'number' ? String(code) : JSON.stringify(code)})` : err.message;
  }
  return String(err);
}
