import type { AnyEndpoint, EventFunction } from '../shared/api/endpoint.js';
import { numbersEndpoints } from './rows/numbers.js';
import { requirementsEndpoints } from './rows/requirements.js';
import { jobsEndpoints } from './rows/jobs.js';
export { jobTypeEndpoints, jobTypeRoles } from './rows/jobs.js';
import { vapiEndpoints } from './rows/vapi.js';
import { inboundEndpoints } from './rows/inbound.js';
import { accountsEndpoints } from './rows/accounts.js';
import { locationsAgentsEndpoints } from './rows/locations-agents.js';
import { operationsEndpoints } from './rows/operations.js';
import { tollfreeEndpoints } from './rows/tollfree.js';
import { tollfreeDeskEndpoints } from './rows/tollfree-desk.js';

/**
 * THE endpoint table. One row = one deployed Cloud Function. The functions-framework
 * exports, the local gateway, the OpenAPI document and terraform/functions.json are
 * all derived from it (test/unit/endpoint-table.test.ts fails when they drift).
 * A row's `needs` (shared/api/iam.ts) are what its function may do besides Firestore: they pick its
 * service account and that account's roles (terraform/iam.tf). Every row says, [] for Firestore only.
 * The rows live per domain in functions/rows/; this is their concatenation, in a fixed order.
 */
export const endpoints: AnyEndpoint[] = [
  ...numbersEndpoints,
  ...requirementsEndpoints,
  ...jobsEndpoints,
  ...vapiEndpoints,
  ...inboundEndpoints,
  ...accountsEndpoints,
  ...locationsAgentsEndpoints,
  ...operationsEndpoints,
  ...tollfreeEndpoints,
  ...tollfreeDeskEndpoints,
];

/**
 * Pub/Sub-triggered functions. Like the endpoints above, this list drives the functions-framework
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
    operation: () => import('./jobs/chunk-worker.js'),
  },
  {
    name: 'jobsDeadLetter',
    topic: 'jobs-chunks-dead-letter',
    maxAgeSeconds: 7 * 24 * 60 * 60,
    summary: 'Fails the open items of a chunk the worker could not process (never lost)',
    needs: ['tasks:enqueue'],
    operation: () => import('./jobs/dead-letter.js'),
  },
];
