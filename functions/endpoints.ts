import type { AnyEndpoint } from '../shared/api/endpoint.js';
import type { Role } from '../shared/auth/verify-token.js';
import type { JobType } from '../shared/domain/job.js';
import { numbersEndpoints } from './rows/numbers.js';
import { requirementsEndpoints } from './rows/requirements.js';
import { jobsEndpoints, jobTypeEndpoints } from './rows/jobs.js';
export { jobTypeEndpoints };
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

/** Pub/Sub-triggered functions (functions/rows/events.ts). */
export { eventFunctions } from './rows/events.js';

/** Every method the table serves at a path: a 405's Allow header, and what each function's entry is told. */
export function methodsAt(path: string): string[] {
  return endpoints.filter((e) => e.path === path).map((e) => e.method);
}

/**
 * The role each bulk job type needs: the `access` of its single-item row (jobTypeEndpoints). jobsCreate
 * checks it through functions/rows/job-type-roles.ts, which `npm run generate` writes from this.
 */
export function jobTypeRoles(): Readonly<Record<JobType, Role>> {
  return Object.fromEntries(
    Object.entries(jobTypeEndpoints).map(([type, name]) => {
      const access = endpoints.find((e) => e.name === name)?.access;
      if (access !== 'member' && access !== 'admin') throw new Error(`job type ${type}: ${name} is not a member or admin row of the endpoint table`);
      return [type, access];
    }),
  ) as Record<JobType, Role>;
}
