/**
 * Publisher on Google Cloud Pub/Sub, through its REST API (`topics.publish`). The client library
 * costs a function ~100 ms of cold start (its gRPC stubs, protos and first channel) for what is one
 * documented HTTPS call; this needs Node's built-in fetch and, in production, the Google auth
 * client that the Firestore client has loaded already. With PUBSUB_EMULATOR_HOST set it talks
 * to the emulator (plain HTTP, no credentials), which serves the same REST API.
 *
 * Retries 429, 5xx and network failures (three attempts). A retried publish may deliver a
 * message twice — so may Pub/Sub itself; every subscriber here is idempotent.
 */
import { createLogger, type Logger } from '../log.js';
import { applicationDefaultToken, callGoogleApi, googleError, GRPC } from './google-rest.js';
import { assertValidAttributes, encodeJson, type Publisher } from './publisher.js';

/** gRPC status codes, as the client library reported them (callers and tests rely on these). */
const { NOT_FOUND, ALREADY_EXISTS } = GRPC;
const MAX_ATTEMPTS = 3;
const TIMEOUT_MS = 10_000;

/** A Pub/Sub API error: `code` is the gRPC status code, `httpStatus` the HTTP one (0: no answer). */
export class PubSubError extends Error {
  constructor(
    message: string,
    readonly code: number | undefined,
    readonly httpStatus: number,
  ) {
    super(message);
    this.name = 'PubSubError';
  }
}

export interface PubSubPublisherOptions {
  projectId: string;
  /**
   * Dev/emulator only: create a topic that does not exist (publish fails with
   * NOT_FOUND) and retry the publish once. In production topics come from Terraform.
   */
  createMissingTopics?: boolean;
  /** Where the API is; default the emulator when PUBSUB_EMULATOR_HOST is set, else https://pubsub.googleapis.com. */
  apiEndpoint?: string;
  /** Bearer token source; default Application Default Credentials (none against the emulator). */
  accessToken?: () => Promise<string | undefined>;
  fetchImpl?: typeof fetch;
  logger?: Logger;
}

export class PubSubPublisher implements Publisher {
  private readonly projectId: string;
  private readonly createMissingTopics: boolean;
  private readonly base: string;
  private readonly accessToken: () => Promise<string | undefined>;
  private readonly fetchImpl: typeof fetch;
  private readonly log: Logger;
  private readonly creating = new Map<string, Promise<void>>();
  private closed = false;

  constructor(options: PubSubPublisherOptions) {
    if (!options.projectId) throw new Error('PubSubPublisher: projectId is required');
    this.projectId = options.projectId;
    this.createMissingTopics = options.createMissingTopics ?? false;
    const emulator = process.env.PUBSUB_EMULATOR_HOST;
    this.base = (options.apiEndpoint ?? (emulator ? `http://${emulator}` : 'https://pubsub.googleapis.com')).replace(/\/+$/, '');
    this.accessToken = options.accessToken ?? (options.apiEndpoint || !emulator ? applicationDefaultToken('https://www.googleapis.com/auth/pubsub') : async () => undefined);
    this.fetchImpl = options.fetchImpl ?? fetch;
    this.log = options.logger ?? createLogger({ component: 'pubsub-publisher' });
  }

  /** Starts fetching credentials (production) so the first publish does not wait for them. */
  warm(): void {
    if (!this.closed) this.accessToken().catch(() => undefined); // a failure surfaces on publish
  }

  /** `orders` → `projects/P/topics/orders`; a full name is kept. */
  private topicName(topic: string): string {
    if (topic.startsWith('projects/')) return topic;
    if (!/^[A-Za-z][\w.~+%-]{2,254}$/.test(topic)) throw new TypeError(`publish: invalid topic id ${JSON.stringify(topic)}`);
    return `projects/${this.projectId}/topics/${topic}`;
  }

  private async call(method: 'POST' | 'PUT', path: string, body: unknown): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      let status = 0;
      let text = '';
      try {
        ({ status, text } = await callGoogleApi(this.fetchImpl, this.accessToken, `${this.base}/v1/${path}`, method, body, TIMEOUT_MS));
      } catch (err) {
        if (attempt >= MAX_ATTEMPTS) throw new PubSubError(`Pub/Sub unreachable: ${(err as Error).message}`, GRPC.UNAVAILABLE, 0);
      }
      if (status >= 200 && status < 300) return text ? JSON.parse(text) : {};
      if (status !== 0) {
        const error = googleError(text);
        const failure = new PubSubError(`Pub/Sub ${method} ${path}: ${status} ${error.status} ${error.message}`.trim(), error.code, status);
        if (!(status === 429 || status >= 500) || attempt >= MAX_ATTEMPTS) throw failure;
      }
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** (attempt - 1) * (1 + Math.random())));
    }
  }

  /** One creation per topic at a time; ALREADY_EXISTS (a concurrent creator) is success. */
  private ensureTopic(name: string): Promise<void> {
    let pending = this.creating.get(name);
    if (!pending) {
      pending = (async () => {
        try {
          await this.call('PUT', name, {});
          this.log.info('created missing topic', { topic: name });
        } catch (err) {
          if ((err as PubSubError).code !== ALREADY_EXISTS) throw err;
        }
      })().finally(() => this.creating.delete(name));
      this.creating.set(name, pending);
    }
    return pending;
  }

  async publish(topic: string, data: unknown, attributes?: Record<string, string>): Promise<string> {
    if (this.closed) throw new Error('PubSubPublisher: publish after close()');
    const name = this.topicName(topic);
    assertValidAttributes(attributes);
    const message = { data: encodeJson(data).toString('base64'), ...(attributes && Object.keys(attributes).length ? { attributes: { ...attributes } } : {}) };
    const send = async () => ((await this.call('POST', `${name}:publish`, { messages: [message] })) as { messageIds: string[] }).messageIds[0]!;
    try {
      return await send();
    } catch (err) {
      if (!this.createMissingTopics || (err as PubSubError).code !== NOT_FOUND) throw err;
      await this.ensureTopic(name);
      return await send();
    }
  }

  /** Nothing is buffered: every publish has completed when its promise resolved. */
  async close(): Promise<void> {
    this.closed = true;
  }
}
