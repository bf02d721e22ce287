/**
 * Task queue port: HTTP POST tasks to one of our functions, throttled per queue
 * and optionally scheduled. Production: Cloud Tasks (cloud-tasks-queue.ts);
 * dev stack and tests: LocalTaskQueue (local-task-queue.ts), which really dispatches.
 */
export interface TaskRequest {
  queue: string; // logical queue id, e.g. 'followups' or 'provider-twilio'
  url: string; // absolute target URL
  body: unknown; // JSON-serialised
  headers?: Record<string, string>;
  scheduleAt?: Date; // not before
  /** Deterministic task id (dedupe): enqueueing the same id twice creates one task. [A-Za-z0-9_-]{1,500} */
  id?: string;
  /** OIDC audience of the task's token; defaults to the URL's origin. */
  audience?: string;
}

export interface TaskQueue {
  enqueue(task: TaskRequest): Promise<{ name: string; deduplicated: boolean }>;
}

/** Per-queue dispatch settings, as on a Cloud Tasks queue (rateLimits + retryConfig). */
export interface QueueConfig {
  maxDispatchesPerSecond: number;
  maxConcurrentDispatches: number;
  /** Attempts including the first; a negative value means unlimited (Cloud Tasks: -1). */
  maxAttempts: number;
  minBackoffMs: number;
  maxBackoffMs: number;
}

/** Cloud Tasks' defaults for a new queue. */
export const DEFAULT_QUEUE_CONFIG: QueueConfig = {
  maxDispatchesPerSecond: 500,
  maxConcurrentDispatches: 1000,
  maxAttempts: 100,
  minBackoffMs: 100,
  maxBackoffMs: 3_600_000,
};

export class InvalidTaskError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidTaskError';
  }
}

export const TASK_ID_PATTERN = /^[A-Za-z0-9_-]{1,500}$/;
/** Cloud Tasks queue ids. */
export const QUEUE_ID_PATTERN = /^[A-Za-z0-9-]{1,100}$/;
/** Cloud Tasks' limit on a whole task; the body is most of it. */
export const MAX_TASK_BODY_BYTES = 1024 * 1024 - 16 * 1024;
/** Cloud Tasks rejects a scheduleTime further ahead than this. */
export const MAX_SCHEDULE_AHEAD_MS = 30 * 24 * 3600 * 1000;

export interface ValidatedTask {
  queue: string;
  url: URL;
  bodyJson: string;
  headers: Record<string, string>;
  scheduleAt?: Date;
  id?: string;
  audience: string;
}

/**
 * Checks a TaskRequest the way Cloud Tasks would and normalises it: the body
 * serialised once, a caller's own content-type dropped (tasks are always JSON).
 */
export function validateTask(task: TaskRequest, now = Date.now()): ValidatedTask {
  if (!task || typeof task !== 'object') throw new InvalidTaskError('task must be an object');
  if (typeof task.queue !== 'string' || !QUEUE_ID_PATTERN.test(task.queue)) {
    throw new InvalidTaskError(`invalid queue id ${JSON.stringify(task.queue)}: must match [A-Za-z0-9-]{1,100}`);
  }
  let url: URL;
  try {
    url = new URL(task.url);
  } catch {
    throw new InvalidTaskError(`task url must be absolute: ${JSON.stringify(task.url)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InvalidTaskError(`task url must be http(s): ${JSON.stringify(task.url)}`);
  }
  if (task.id !== undefined && (typeof task.id !== 'string' || !TASK_ID_PATTERN.test(task.id))) {
    throw new InvalidTaskError(`invalid task id ${JSON.stringify(String(task.id).slice(0, 80))}: must match [A-Za-z0-9_-]{1,500}`);
  }
  if (task.scheduleAt !== undefined) {
    if (!(task.scheduleAt instanceof Date) || Number.isNaN(task.scheduleAt.getTime())) {
      throw new InvalidTaskError('scheduleAt must be a valid Date');
    }
    if (task.scheduleAt.getTime() - now > MAX_SCHEDULE_AHEAD_MS) {
      throw new InvalidTaskError('scheduleAt must be at most 30 days ahead');
    }
  }
  const bodyJson = JSON.stringify(task.body ?? null);
  if (Buffer.byteLength(bodyJson, 'utf8') > MAX_TASK_BODY_BYTES) {
    throw new InvalidTaskError(`task body exceeds ${MAX_TASK_BODY_BYTES} bytes`);
  }
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(task.headers ?? {})) {
    if (key.toLowerCase() === 'content-type') continue;
    headers[key] = String(value);
  }
  headers['Content-Type'] = 'application/json';
  return {
    queue: task.queue,
    url,
    bodyJson,
    headers,
    ...(task.scheduleAt ? { scheduleAt: task.scheduleAt } : {}),
    ...(task.id !== undefined ? { id: task.id } : {}),
    audience: task.audience ?? url.origin,
  };
}

export function validateQueueConfig(queue: string, config: QueueConfig): void {
  const positive = (v: number) => Number.isFinite(v) && v > 0;
  if (!positive(config.maxDispatchesPerSecond)) throw new InvalidTaskError(`queue ${queue}: maxDispatchesPerSecond must be > 0`);
  if (!Number.isInteger(config.maxConcurrentDispatches) || config.maxConcurrentDispatches < 1) {
    throw new InvalidTaskError(`queue ${queue}: maxConcurrentDispatches must be an integer >= 1`);
  }
  if (!Number.isInteger(config.maxAttempts) || config.maxAttempts === 0) {
    throw new InvalidTaskError(`queue ${queue}: maxAttempts must be a non-zero integer (negative = unlimited)`);
  }
  if (!(config.minBackoffMs >= 0) || !(config.maxBackoffMs >= config.minBackoffMs)) {
    throw new InvalidTaskError(`queue ${queue}: need 0 <= minBackoffMs <= maxBackoffMs`);
  }
}
