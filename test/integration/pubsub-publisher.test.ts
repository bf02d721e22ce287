import { PubSub, type Message } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PubSubPublisher } from '../../shared/queue/pubsub-publisher.js';
import { emulatorEnv } from '../helpers/env.js';

const PROJECT = 'pubsub-publisher-test';

let subscriptions = 0;

/**
 * A fresh subscription on the topic (created before anything is published, so
 * it sees what comes next) and its first message, by streaming pull, acked.
 */
async function subscribe(pubsub: PubSub, topic: string, timeoutMs = 10_000): Promise<{ first: Promise<Message> }> {
  const [sub] = await pubsub.topic(topic).createSubscription(`${topic}-sub-${++subscriptions}`);
  const first = new Promise<Message>((resolve, reject) => {
    const timer = setTimeout(() => {
      void sub.close();
      reject(new Error(`no message on ${sub.name} within ${timeoutMs} ms`));
    }, timeoutMs);
    sub.once('message', (message: Message) => {
      clearTimeout(timer);
      message.ack();
      void sub.close().then(() => resolve(message), reject);
    });
    sub.once('error', (err: Error) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  return { first };
}

describe('PubSubPublisher on the Pub/Sub emulator', () => {
  let admin: PubSub;
  const publishers: PubSubPublisher[] = [];
  const newPublisher = (createMissingTopics = false) => {
    const publisher = new PubSubPublisher({ projectId: PROJECT, createMissingTopics });
    publishers.push(publisher);
    return publisher;
  };

  beforeAll(async () => {
    const { pubsubHost } = emulatorEnv();
    admin = new PubSub({ projectId: PROJECT, apiEndpoint: pubsubHost });
    await admin.createTopic('number-events');
  });
  afterAll(async () => {
    await Promise.allSettled(publishers.map((p) => p.close()));
    await admin?.close();
  });

  it('publishes JSON with attributes (emulator picked up from PUBSUB_EMULATOR_HOST)', async () => {
    const publisher = newPublisher();
    const { first: received } = await subscribe(admin, 'number-events');
    const payload = { type: 'number.purchased', number: { e164: '+14155550100', tags: ['a', 'ü'] }, at: '2026-01-01T00:00:00Z' };
    const id = await publisher.publish('number-events', payload, { tenantId: 't1', eventType: 'number.purchased' });
    expect(id).toMatch(/^\d+$/);

    const message = await received;
    expect(message.id).toBe(id);
    expect(JSON.parse(message.data.toString('utf8'))).toEqual(payload);
    expect(message.attributes).toEqual({ tenantId: 't1', eventType: 'number.purchased' });
  });

  it('accepts a full topic name and no attributes', async () => {
    const publisher = newPublisher();
    const { first: received } = await subscribe(admin, 'number-events');
    const id = await publisher.publish(`projects/${PROJECT}/topics/number-events`, [1, 2, 3]);
    const message = await received;
    expect(message.id).toBe(id);
    expect(message.data.toString('utf8')).toBe('[1,2,3]');
    expect(message.attributes).toEqual({});
  });

  it('fails with NOT_FOUND on a missing topic unless createMissingTopics', async () => {
    await expect(newPublisher().publish('no-such-topic', { a: 1 })).rejects.toMatchObject({ code: 5 });

    const creating = newPublisher(true);
    const ids = await Promise.all([creating.publish('created-on-demand', { a: 1 }), creating.publish('created-on-demand', { a: 2 })]);
    expect(ids.every((id) => /^\d+$/.test(id))).toBe(true);
    const [exists] = await admin.topic('created-on-demand').exists();
    expect(exists).toBe(true);
  });

  it('rejects data JSON cannot carry, bad attributes, bad topic ids, and publish after close()', async () => {
    const publisher = newPublisher();
    await expect(publisher.publish('number-events', undefined)).rejects.toThrow(TypeError);
    await expect(publisher.publish('number-events', { n: 1n })).rejects.toThrow(/not JSON-serialisable/);
    await expect(publisher.publish('number-events', {}, { n: 1 as unknown as string })).rejects.toThrow(/must be a string/);
    await expect(publisher.publish('number-events', {}, { googX: 'y' })).rejects.toThrow(/goog/);
    await expect(publisher.publish('a b', {})).rejects.toThrow(/invalid topic id/);
    await publisher.close();
    await expect(publisher.publish('number-events', {})).rejects.toThrow(/after close/);
  });
});
