/**
 * Publisher on Google Cloud Pub/Sub. The client library (~250 ms of cold start)
 * is imported on the first publish, not at module load. With PUBSUB_EMULATOR_HOST
 * set, the client talks to the emulator (plain-text gRPC, no credentials) by itself.
 */
import type { PubSub, Topic } from '@google-cloud/pubsub';
import { createLogger, type Logger } from '../log.js';
import { assertValidAttributes, encodeJson, type Publisher } from './publisher.js';

/** gRPC status codes the adapter distinguishes. */
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;

const codeOf = (err: unknown): unknown => (err && typeof err === 'object' ? (err as { code?: unknown }).code : undefined);

export interface PubSubPublisherOptions {
  projectId: string;
  /**
   * Dev/emulator only: create a topic that does not exist (publish fails with
   * NOT_FOUND) and retry the publish once. In production topics come from Terraform.
   */
  createMissingTopics?: boolean;
  /** Passed to `new PubSub()` (e.g. `{ apiEndpoint: '127.0.0.1:8085' }`); projectId is set from above. */
  clientOptions?: Record<string, unknown>;
  logger?: Logger;
}

export class PubSubPublisher implements Publisher {
  private readonly projectId: string;
  private readonly createMissingTopics: boolean;
  private readonly clientOptions: Record<string, unknown>;
  private readonly log: Logger;
  private clientPromise: Promise<PubSub> | undefined;
  private readonly topics = new Map<string, Topic>();
  private readonly creating = new Map<string, Promise<void>>();
  private closed = false;

  constructor(options: PubSubPublisherOptions) {
    if (!options.projectId) throw new Error('PubSubPublisher: projectId is required');
    this.projectId = options.projectId;
    this.createMissingTopics = options.createMissingTopics ?? false;
    this.clientOptions = { ...(options.clientOptions ?? {}), projectId: options.projectId };
    this.log = options.logger ?? createLogger({ component: 'pubsub-publisher' });
  }

  private client(): Promise<PubSub> {
    this.clientPromise ??= import('@google-cloud/pubsub').then(({ PubSub: Client }) => new Client(this.clientOptions));
    // A failed import/construction is not cached forever.
    this.clientPromise.catch(() => {
      this.clientPromise = undefined;
    });
    return this.clientPromise;
  }

  warm(): void {
    if (!this.closed) this.client().catch(() => undefined); // a failure surfaces on publish
  }

  /** `orders` → `projects/P/topics/orders`; a full name is kept. */
  private topicName(topic: string): string {
    if (topic.startsWith('projects/')) return topic;
    if (!/^[A-Za-z][\w.~+%-]{2,254}$/.test(topic)) throw new TypeError(`publish: invalid topic id ${JSON.stringify(topic)}`);
    return `projects/${this.projectId}/topics/${topic}`;
  }

  private async topic(name: string): Promise<Topic> {
    let topic = this.topics.get(name);
    if (!topic) {
      const client = await this.client();
      topic = this.topics.get(name) ?? client.topic(name);
      this.topics.set(name, topic);
    }
    return topic;
  }

  /** One creation per topic at a time; ALREADY_EXISTS (a concurrent creator) is success. */
  private ensureTopic(name: string): Promise<void> {
    let pending = this.creating.get(name);
    if (!pending) {
      pending = (async () => {
        const client = await this.client();
        try {
          await client.createTopic(name);
          this.log.info('created missing topic', { topic: name });
        } catch (err) {
          if (codeOf(err) !== ALREADY_EXISTS) throw err;
        }
      })().finally(() => this.creating.delete(name));
      this.creating.set(name, pending);
    }
    return pending;
  }

  async publish(topic: string, data: unknown, attributes?: Record<string, string>): Promise<string> {
    if (this.closed) throw new Error('PubSubPublisher: publish after close()');
    const name = this.topicName(topic);
    const message = { data: encodeJson(data), ...(attributes && Object.keys(attributes).length ? { attributes: { ...attributes } } : {}) };
    assertValidAttributes(attributes);
    const target = await this.topic(name);
    try {
      return await target.publishMessage(message);
    } catch (err) {
      if (!this.createMissingTopics || codeOf(err) !== NOT_FOUND) throw err;
      await this.ensureTopic(name);
      return await target.publishMessage(message);
    }
  }

  /** Flush pending batches and close the client's channels. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const pending = this.clientPromise;
    if (!pending) return;
    const client = await pending.catch(() => undefined);
    if (!client) return;
    await Promise.allSettled([...this.topics.values()].map((t) => t.flush()));
    this.topics.clear();
    await client.close();
  }
}
