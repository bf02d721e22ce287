/**
 * TaskQueue on Cloud Tasks (HTTP targets with an OIDC token), through its REST API (`tasks.create`,
 * https://cloud.google.com/tasks/docs/reference/rest/v2/projects.locations.queues.tasks/create). The
 * client library loads its own google-gax stack for what is one documented HTTPS call; this needs
 * Node's fetch and the Google auth client the Firestore client has loaded already (google-rest.ts).
 *
 * One attempt, as the client library makes for CreateTask (non-idempotent: a retried unnamed task could
 * be created twice); a named task's ALREADY_EXISTS (409) is a dedupe. Any other answer is a
 * CloudTasksError carrying Google's status as the gRPC code, as the library reported it.
 */
import { createLogger, type Logger } from '../log.js';
import { applicationDefaultToken, callGoogleApi, googleError, GRPC } from './google-rest.js';
import { validateTask, type TaskQueue, type TaskRequest } from './task-queue.js';

/** As the client library's CreateTask timeout. */
const TIMEOUT_MS = 20_000;

/** A Cloud Tasks API error: `code` is the gRPC status code, `httpStatus` the HTTP one (0: no answer). */
export class CloudTasksError extends Error {
  constructor(
    message: string,
    readonly code: number | undefined,
    readonly httpStatus: number,
  ) {
    super(message);
    this.name = 'CloudTasksError';
  }
}

export interface CloudTasksQueueOptions {
  projectId: string;
  location: string;
  /** Identity of the OIDC token Cloud Tasks attaches to each dispatch. */
  serviceAccountEmail: string;
  /** Where the API is; default https://cloudtasks.googleapis.com. */
  apiEndpoint?: string;
  /** Bearer token source; default Application Default Credentials. */
  accessToken?: () => Promise<string | undefined>;
  fetchImpl?: typeof fetch;
  logger?: Logger;
}

export class CloudTasksQueue implements TaskQueue {
  private readonly options: CloudTasksQueueOptions;
  private readonly base: string;
  private readonly accessToken: () => Promise<string | undefined>;
  private readonly fetchImpl: typeof fetch;
  private readonly log: Logger;

  constructor(options: CloudTasksQueueOptions) {
    for (const key of ['projectId', 'location', 'serviceAccountEmail'] as const) {
      if (!options[key]) throw new Error(`CloudTasksQueue: ${key} is required`);
    }
    this.options = options;
    this.base = (options.apiEndpoint ?? 'https://cloudtasks.googleapis.com').replace(/\/+$/, '');
    this.accessToken = options.accessToken ?? applicationDefaultToken('https://www.googleapis.com/auth/cloud-platform');
    this.fetchImpl = options.fetchImpl ?? fetch;
    this.log = options.logger ?? createLogger({ component: 'cloud-tasks-queue' });
  }

  queuePath(queue: string): string {
    return `projects/${this.options.projectId}/locations/${this.options.location}/queues/${queue}`;
  }

  async enqueue(request: TaskRequest): Promise<{ name: string; deduplicated: boolean }> {
    const task = validateTask(request);
    const parent = this.queuePath(task.queue);
    const name = task.id !== undefined ? `${parent}/tasks/${task.id}` : undefined;
    const body = {
      task: {
        ...(name ? { name } : {}),
        // RFC 3339, as the REST API takes a Timestamp.
        ...(task.scheduleAt ? { scheduleTime: task.scheduleAt.toISOString() } : {}),
        httpRequest: {
          url: task.url.href,
          httpMethod: 'POST',
          headers: task.headers,
          body: Buffer.from(task.bodyJson, 'utf8').toString('base64'),
          oidcToken: { serviceAccountEmail: this.options.serviceAccountEmail, audience: task.audience },
        },
      },
    };
    let status: number;
    let text: string;
    try {
      ({ status, text } = await callGoogleApi(this.fetchImpl, this.accessToken, `${this.base}/v2/${parent}/tasks`, 'POST', body, TIMEOUT_MS));
    } catch (err) {
      throw new CloudTasksError(`Cloud Tasks unreachable: ${(err as Error).message}`, GRPC.UNAVAILABLE, 0);
    }
    if (status >= 200 && status < 300) {
      // The task exists now: an answer we cannot read still means created.
      let created: unknown;
      try {
        created = (JSON.parse(text) as { name?: unknown }).name;
      } catch {
        created = undefined;
      }
      const createdName = typeof created === 'string' ? created : (name ?? '');
      this.log.debug('task created', { task: createdName, queue: task.queue });
      return { name: createdName, deduplicated: false };
    }
    const error = googleError(text);
    if (name && error.code === GRPC.ALREADY_EXISTS) {
      this.log.debug('task deduplicated', { task: name, queue: task.queue });
      return { name, deduplicated: true };
    }
    throw new CloudTasksError(`Cloud Tasks tasks.create on ${task.queue}: ${status} ${error.status} ${error.message}`.trim(), error.code, status);
  }

  /** Nothing is held open: every enqueue has completed when its promise resolved. */
  async close(): Promise<void> {}
}
