import type { EventFunction } from '../../shared/api/endpoint.js';

/**
 * Pub/Sub-triggered functions. Like the endpoint rows, this list drives the functions-framework
 * exports, the local gateway's push routes, terraform/functions.json and the drift test.
 */
export const eventFunctions: EventFunction[] = [
  {
    name: 'jobsChunkWorker',
    topic: 'jobs-chunks',
    deadLetterTopic: 'jobs-chunks-dead-letter',
    maxDeliveryAttempts: 10,
    // As long as Pub/Sub keeps a message (7 days): a chunk is safe to run late (item ids and
    // states dedupe it), while a dropped one would leave its items queued forever.
    maxAgeSeconds: 7 * 24 * 60 * 60,
    summary: 'Expands a bulk-job chunk into one Cloud Task per item (or a search spec into items)',
    needs: ['secrets:read-provider', 'somos', 'tasks:enqueue', 'pubsub:publish'],
    runtime: { memory: '512Mi', timeoutSeconds: 300 },
    operation: () => import('./operations/chunk-worker.js'),
  },
  {
    name: 'jobsDeadLetter',
    topic: 'jobs-chunks-dead-letter',
    maxAgeSeconds: 7 * 24 * 60 * 60,
    summary: 'Fails the open items of a chunk the worker could not process (never lost)',
    needs: ['tasks:enqueue'],
    operation: () => import('./operations/dead-letter.js'),
  },
];
