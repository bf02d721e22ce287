import type { AnyEndpoint } from '../shared/api/endpoint.js';
import type { Role } from '../shared/auth/verify-token.js';
import type { JobType } from '../shared/domain/job.js';
import { metaEndpoints } from '../modules/meta/rows.js';
import { numbersEndpoints } from '../modules/numbers/rows.js';
import { requirementsEndpoints } from '../modules/requirements/rows.js';
import { jobsEndpoints, jobTypeEndpoints } from '../modules/jobs/rows.js';
export { jobTypeEndpoints };
import { vapiEndpoints } from '../modules/vapi/rows.js';
import { inboundEndpoints } from '../modules/inbound/rows.js';
import { accountsEndpoints } from '../modules/accounts/rows.js';
import { locationsAgentsEndpoints } from '../modules/directory/rows.js';
import { operationsEndpoints } from '../modules/operations/rows.js';
import { tollfreeEndpoints } from '../modules/tollfree/rows.js';
import { tollfreeDeskEndpoints } from '../modules/tollfree/desk-rows.js';

/**
 * THE endpoint table. One row = one deployed Cloud Function. The functions-framework
 * exports, the local gateway, the OpenAPI document and terraform/functions.json are
 * all derived from it (test/unit/endpoint-table.test.ts fails when they drift).
 * A row's `needs` (shared/api/iam.ts) are what its function may do besides Firestore: they pick its
 * service account and that account's roles (terraform/iam.tf). Every row says, [] for Firestore only.
 * The rows live per domain module (modules/<domain>/rows.ts); this is their concatenation, in a fixed order.
 */
export const endpoints: AnyEndpoint[] = [
  ...metaEndpoints,
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

/** Pub/Sub-triggered functions (modules/jobs/event-rows.ts). */
export { eventFunctions } from '../modules/jobs/event-rows.js';

/** Every method the table serves at a path: a 405's Allow header, and what each function's entry is told. */
export function methodsAt(path: string): string[] {
  return endpoints.filter((e) => e.path === path).map((e) => e.method);
}

/**
 * The role each bulk job type needs: the `access` of its single-item row (jobTypeEndpoints). jobsCreate
 * checks it through modules/jobs/job-type-roles.ts, which `npm run generate` writes from this.
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
