import type { AnyEndpoint as Endpoint, EventFunction } from '../shared/api/endpoint.js';
import { queueDefinitions } from '../shared/queue/queues.js';
import { secretEnvFor, serviceAccountId, sortedNeeds } from '../shared/api/iam.js';

/** Who a function runs as (one service account per distinct set of needs) and the secrets it gets as env. */
const identity = (needs: Parameters<typeof sortedNeeds>[0]) => ({
  needs: sortedNeeds(needs),
  serviceAccount: serviceAccountId(needs),
  secretEnv: secretEnvFor(needs),
});

/** The function list Terraform deploys (terraform/functions.json), derived from the endpoint table. */
export function functionManifest(endpoints: readonly Endpoint[], events: readonly EventFunction[]) {
  return {
    generatedFrom: 'functions/endpoints.ts — regenerate with `npm run generate`',
    functions: endpoints.map((e) => ({
      name: e.name,
      entryPoint: e.name,
      trigger: 'https',
      method: e.method,
      path: e.path,
      access: e.access,
      memory: e.runtime?.memory ?? '256Mi',
      timeoutSeconds: e.runtime?.timeoutSeconds ?? 60,
      minInstances: e.runtime?.minInstances ?? 0,
      maxInstances: e.runtime?.maxInstances ?? 100,
      ...identity(e.needs),
    })),
    eventFunctions: events.map((e) => ({
      name: e.name,
      entryPoint: e.name,
      trigger: 'pubsub',
      topic: e.topic,
      deadLetterTopic: e.deadLetterTopic ?? null,
      maxDeliveryAttempts: e.maxDeliveryAttempts ?? 5,
      memory: e.runtime?.memory ?? '256Mi',
      timeoutSeconds: e.runtime?.timeoutSeconds ?? 60,
      ...identity(e.needs),
    })),
    /** terraform/iam.tf creates each and grants it the roles of its needs. */
    serviceAccounts: [...new Map([...endpoints, ...events].map((e) => [serviceAccountId(e.needs), sortedNeeds(e.needs)])).entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([accountId, needs]) => ({ accountId, needs })),
    topics: [...new Set(events.flatMap((e) => [e.topic, ...(e.deadLetterTopic ? [e.deadLetterTopic] : [])]))],
    queues: Object.entries(queueDefinitions({})).map(([name, q]) => ({
      name,
      maxDispatchesPerSecond: q.maxDispatchesPerSecond,
      maxConcurrentDispatches: q.maxConcurrentDispatches,
      maxAttempts: q.maxAttempts,
      minBackoff: `${Math.round(q.minBackoffMs / 100) / 10}s`,
      maxBackoff: `${Math.round(q.maxBackoffMs / 1000)}s`,
    })),
  };
}
