/**
 * What a deployed function may do besides reading and writing Firestore (which every function does):
 * the `needs` of its row in the endpoint table (functions/endpoints.ts). Each distinct set of needs is
 * one service account (terraform/iam.tf) granted exactly the roles those needs imply, so a role one
 * function needs is not lent to the others. `npm run generate` writes each function's service account
 * and secret environment variables into terraform/functions.json; test/unit/terraform.test.ts checks
 * the bindings, test/unit/function-needs.test.ts that no function is granted what its code cannot use.
 */
export const needDefinitions = {
  /** Calls a number provider: reads provider-<p>-platform and the tenants' own tenant-<t>-<p>-<id>. */
  'secrets:read-provider': { code: 'p' },
  /** Reads tenant secrets other than provider accounts: the signing secret tenant-<t>-signing. */
  'secrets:read-tenant': { code: 't' },
  /** Creates and deletes tenant secrets (provider accounts, signing secrets): names tenant-*. */
  'secrets:write-tenant': { code: 'w' },
  /** Calls the Somos TFN Registry: reads provider-somos-platform, reads and renews provider-somos-token-state. */
  somos: { code: 's' },
  /** Checks Somos' unsolicited notifications: the SOMOS_NOTIFICATION_SECRET secret environment variable. */
  'secrets:somos-notification': { code: 'n' },
  /** Enqueues Cloud Tasks (follow-ups, job items, deliveries), which carry the tasks service account's token. */
  'tasks:enqueue': { code: 'q' },
  /** Publishes bulk-job chunks to the jobs-chunks topic. */
  'pubsub:publish': { code: 'b' },
} as const;

export type Need = keyof typeof needDefinitions;
export const allNeeds = Object.keys(needDefinitions) as Need[];

/** Secret Manager secrets handed to functions as environment variables, by the need that brings them. */
export const secretEnvByNeed: Partial<Record<Need, { key: string; secret: string }[]>> = {
  'secrets:somos-notification': [{ key: 'SOMOS_NOTIFICATION_SECRET', secret: 'somos-notification-secret' }],
};

export const sortedNeeds = (list: readonly Need[] = []): Need[] => [...new Set(list)].sort((a, b) => allNeeds.indexOf(a) - allNeeds.indexOf(b));

/** The service account of a set of needs: numbers-fn-<one letter per need>, or numbers-fn-base (Firestore only). */
export function serviceAccountId(list: readonly Need[] = []): string {
  const codes = sortedNeeds(list).map((need) => needDefinitions[need].code).join('');
  return `numbers-fn-${codes || 'base'}`;
}

export const secretEnvFor = (list: readonly Need[] = []) => sortedNeeds(list).flatMap((need) => secretEnvByNeed[need] ?? []);
