import {
  ListPageQuery,
  CreateJobBody,
  CreateJobResponse,
  JobCallbackResult,
  JobFinalizeResult,
  JobCallbackTask,
  JobId,
  JobItemResult,
  JobItemsPage,
  JobItemsQuery,
  JobItemTask,
  JobResource,
  JobSweepBody,
  JobSweepResult,
  JobsPage,
  SigningSecretResponse,
} from '../../shared/api/schemas.js';
import { defineEndpoint, type AnyEndpoint } from '../../shared/api/endpoint.js';
import type { JobType } from '../../shared/domain/job.js';
import { jobTypeRoleTable } from './job-type-roles.js';

// Each row is exported on its own: a function's entry imports its row alone, and the build drops the
// others (a row is a pure call, marked so: esbuild does not see across files that defineEndpoint is).

// ---- bulk jobs ----
export const jobsCreateRow = /* @__PURE__ */ defineEndpoint({
  name: 'jobsCreate',
  method: 'POST',
  path: '/v1/jobs',
  access: 'member',
  needs: ['tasks:enqueue', 'pubsub:publish'],
  tag: 'jobs',
  summary: 'Start a bulk job (up to 10,000 items or a search spec); invalid items are listed, 400 if all are',
  description:
    'Each item does what one single-item endpoint does, so each job type needs that endpoint’s role (x-required-role-by-body-field): a caller without it gets 403 FORBIDDEN and nothing is created or reserved.',
  // Precomputed from the rows jobTypeEndpoints names (./job-type-roles.ts, generated), so that this
  // function does not load those rows: jobTypeRoles() in functions/endpoints.ts derives it from the table.
  roleByBodyField: { field: 'type', roles: () => jobTypeRoleTable },
  body: CreateJobBody,
  bodyRequired: true,
  response: CreateJobResponse,
  successStatus: 202,
  idempotent: true,
  maxBodyBytes: 5_242_880, // 5 MiB
  errors: ['NOT_FOUND', 'CONFLICT'],
  runtime: { memory: '512Mi', timeoutSeconds: 300 },
  operation: () => import('./operations/create.js'),
});

export const jobsListRow = /* @__PURE__ */ defineEndpoint({
  name: 'jobsList',
  method: 'GET',
  path: '/v1/jobs',
  access: 'member',
  needs: [],
  tag: 'jobs',
  summary: 'The tenant’s jobs, newest first',
  query: ListPageQuery,
  response: JobsPage,
  successStatus: 200,
  errors: [],
  operation: () => import('./operations/list.js'),
});

export const jobsGetRow = /* @__PURE__ */ defineEndpoint({
  name: 'jobsGet',
  method: 'GET',
  path: '/v1/jobs/{id}',
  access: 'member',
  needs: [],
  tag: 'jobs',
  summary: 'Job status, counts per item state, percent, times, throughput',
  params: JobId,
  response: JobResource,
  successStatus: 200,
  errors: ['NOT_FOUND'],
  operation: () => import('./operations/get.js'),
});

export const jobsItemsRow = /* @__PURE__ */ defineEndpoint({
  name: 'jobsItems',
  method: 'GET',
  path: '/v1/jobs/{id}/items',
  access: 'member',
  needs: [],
  tag: 'jobs',
  summary: 'A job’s items (?state=failed), in order, paginated',
  params: JobId,
  query: JobItemsQuery,
  response: JobItemsPage,
  successStatus: 200,
  errors: ['NOT_FOUND'],
  operation: () => import('./operations/items.js'),
});

export const jobsCancelRow = /* @__PURE__ */ defineEndpoint({
  name: 'jobsCancel',
  method: 'POST',
  path: '/v1/jobs/{id}/cancel',
  access: 'member',
  needs: ['tasks:enqueue'],
  tag: 'jobs',
  summary: 'Cancel a job: items not started yet become cancelled',
  params: JobId,
  response: JobResource,
  successStatus: 200,
  errors: ['NOT_FOUND', 'CONFLICT'],
  operation: () => import('./operations/cancel.js'),
});

export const signingSecretRotateRow = /* @__PURE__ */ defineEndpoint({
  name: 'signingSecretRotate',
  method: 'POST',
  path: '/v1/signing-secret',
  access: 'admin',
  needs: ['secrets:write-tenant'],
  tag: 'jobs',
  summary: 'Create or rotate the secret outgoing notifications are signed with (shown once)',
  response: SigningSecretResponse,
  successStatus: 201,
  errors: [],
  operation: () => import('./operations/signing-rotate.js'),
});

export const jobItemTaskRow = /* @__PURE__ */ defineEndpoint({
  name: 'taskJobItem',
  path: '/internal/tasks/job-item',
  method: 'POST',
  access: 'task',
  needs: ['secrets:read-provider', 'somos', 'tasks:enqueue'],
  tag: 'internal',
  summary: 'Run one job item (Cloud Tasks, queue per provider)',
  body: JobItemTask,
  bodyRequired: true,
  response: JobItemResult,
  successStatus: 200,
  errors: ['SERVICE_UNAVAILABLE', 'PROVIDER_ERROR'],
  runtime: { memory: '256Mi', timeoutSeconds: 120, maxInstances: 200 },
  operation: () => import('./operations/task-item.js'),
});

export const jobFinalizeTaskRow = /* @__PURE__ */ defineEndpoint({
  name: 'taskJobFinalize',
  path: '/internal/tasks/job-finalize',
  method: 'POST',
  access: 'task',
  needs: ['tasks:enqueue'],
  tag: 'internal',
  summary: 'Check whether a job has finished (debounced Cloud Task)',
  body: JobCallbackTask,
  bodyRequired: true,
  response: JobFinalizeResult,
  successStatus: 200,
  errors: ['SERVICE_UNAVAILABLE'],
  operation: () => import('./operations/task-finalize.js'),
});

export const jobCallbackTaskRow = /* @__PURE__ */ defineEndpoint({
  name: 'taskJobCallback',
  path: '/internal/tasks/job-callback',
  method: 'POST',
  access: 'task',
  needs: ['secrets:read-tenant'],
  tag: 'internal',
  summary: 'Deliver a job’s signed completion notification (Cloud Tasks, retried)',
  body: JobCallbackTask,
  bodyRequired: true,
  response: JobCallbackResult,
  successStatus: 200,
  errors: ['SERVICE_UNAVAILABLE'],
  operation: () => import('./operations/task-callback.js'),
});

export const jobSweepTaskRow = /* @__PURE__ */ defineEndpoint({
  name: 'scheduledJobSweep',
  path: '/internal/scheduled/job-sweep',
  method: 'POST',
  access: 'task',
  needs: ['tasks:enqueue', 'pubsub:publish'],
  tag: 'internal',
  summary: 'Give job items that lost their task a new one, and check open jobs nothing would finish (Cloud Scheduler, every 10 minutes; the dev stack at start)',
  body: JobSweepBody,
  response: JobSweepResult,
  successStatus: 200,
  errors: ['SERVICE_UNAVAILABLE'],
  runtime: { memory: '256Mi', timeoutSeconds: 300, maxInstances: 1 },
  operation: () => import('./operations/task-sweep.js'),
});

/** Bulk jobs and their task targets. Rows of the endpoint table (functions/endpoints.ts). */
export const jobsEndpoints: AnyEndpoint[] = [
  jobsCreateRow,
  jobsListRow,
  jobsGetRow,
  jobsItemsRow,
  jobsCancelRow,
  signingSecretRotateRow,
  jobItemTaskRow,
  jobFinalizeTaskRow,
  jobCallbackTaskRow,
  jobSweepTaskRow,
];

/**
 * The single-item endpoint each bulk job type stands in for: a job's item does what one call of that
 * row does, so the job type needs that row's role (a member who may not release one number may not
 * release a thousand). The roles themselves are read from the rows (jobTypeRoles, functions/endpoints.ts),
 * never written down by hand: ./job-type-roles.ts is generated from them.
 */
export const jobTypeEndpoints: Readonly<Record<JobType, string>> = {
  purchase: 'numbersCreate',
  release: 'numbersRelease',
  update: 'numbersUpdate',
  'tollfree-reserve': 'tollfreeReserve',
  'tollfree-activate': 'tollfreeActivate',
  'tollfree-routing': 'tollfreeRoutingUpdate',
  'tollfree-sms': 'tollfreeSmsEnable',
};
