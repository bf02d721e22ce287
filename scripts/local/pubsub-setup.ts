import { createServer, type Server } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { eventFunctions } from '../../functions/endpoints.js';

/**
 * What Terraform creates in production, on the Pub/Sub emulator: each event function's topic,
 * its dead-letter topic, and a push subscription to `endpointFor(fn)` (the push relay below).
 */
export async function createPushSubscriptions(projectId: string, endpointFor: (fn: { name: string }) => string): Promise<void> {
  const { PubSub } = await import('@google-cloud/pubsub');
  const pubsub = new PubSub({ projectId });
  const ensureTopic = async (name: string) => {
    const [exists] = await pubsub.topic(name).exists();
    if (!exists) await pubsub.createTopic(name);
  };
  try {
    for (const fn of eventFunctions) {
      await ensureTopic(fn.topic);
      if (fn.deadLetterTopic) await ensureTopic(fn.deadLetterTopic);
      const name = `${fn.name}-push`;
      const subscription = pubsub.subscription(name);
      const [exists] = await subscription.exists();
      const pushConfig = { pushEndpoint: endpointFor(fn) };
      if (exists) {
        await subscription.modifyPushConfig(pushConfig); // the relay's port and path differ from last time
        continue;
      }
      await pubsub.topic(fn.topic).createSubscription(name, {
        pushConfig,
        ackDeadlineSeconds: Math.min(600, fn.runtime?.timeoutSeconds ?? 60),
        retryPolicy: { minimumBackoff: { seconds: 1 }, maximumBackoff: { seconds: 10 } },
        ...(fn.deadLetterTopic
          ? { deadLetterPolicy: { deadLetterTopic: pubsub.topic(fn.deadLetterTopic).name, maxDeliveryAttempts: fn.maxDeliveryAttempts ?? 5 } }
          : {}),
      });
    }
  } finally {
    await pubsub.close();
  }
}

export interface PushRelay {
  /** `http://127.0.0.1:PORT` (the path secret is not part of it). */
  url: string;
  /** The push endpoint of `fn`'s emulator subscription: the relay, under its secret path. */
  endpointFor: (fn: { name: string }) => string;
  close(): Promise<void>;
}

const MAX_PUSH_BYTES = 10 * 1024 * 1024; // Pub/Sub's largest message

/**
 * The dev stack's stand-in for Pub/Sub's authenticated push. The emulator keeps a subscription's
 * oidcToken setting but never sends a token (verified with the SDK's emulator), and the functions
 * refuse every push without one. So the emulator pushes here — loopback only, under a random path
 * secret that only its subscriptions are given — and the relay forwards each push to the function's
 * route on the gateway (`target(fn).url`) with the token Pub/Sub would attach (`token(audience)`:
 * signed with the dev key, for the push service account, addressed to the function). The relay
 * answers with the function's status, so the emulator's retries and dead-lettering work unchanged.
 * (Whoever can reach the emulator can publish anyway; the relay lets in nothing more than that.)
 */
export async function startPushRelay(options: {
  target: (fn: { name: string }) => { url: string; audience: string };
  token: (audience: string) => Promise<string>;
  log?: (line: string) => void;
}): Promise<PushRelay> {
  const secret = randomBytes(32).toString('hex');
  const names = new Set(eventFunctions.map((fn) => fn.name));
  const server: Server = createServer((req, res) => {
    const [, given = '', name = ''] = new URL(req.url ?? '/', 'http://relay').pathname.split('/');
    const known = given.length === secret.length && timingSafeEqual(Buffer.from(given), Buffer.from(secret)) && names.has(name);
    if (!known || req.method !== 'POST') {
      req.resume();
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_PUSH_BYTES) req.destroy();
      else chunks.push(chunk);
    });
    req.on('end', () => {
      void (async () => {
        try {
          const { url, audience } = options.target({ name });
          const answer = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': req.headers['content-type'] ?? 'application/json', authorization: `Bearer ${await options.token(audience)}` },
            body: Buffer.concat(chunks),
            redirect: 'manual',
          });
          const body = Buffer.from(await answer.arrayBuffer());
          res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/octet-stream' }).end(body);
        } catch (err) {
          options.log?.(`push relay: ${name} unreachable: ${String(err)}`);
          if (!res.headersSent) res.writeHead(502);
          res.end();
        }
      })();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    endpointFor: (fn) => `${url}/${secret}/${fn.name}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
