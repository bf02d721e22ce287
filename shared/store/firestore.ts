import type { DocumentSnapshot, Firestore } from '@google-cloud/firestore';

const clients = new Map<string, Promise<Firestore>>();

/** Lazily loaded (cold start): functions that never touch Firestore never load its client. */
export function getFirestore(projectId: string): Promise<Firestore> {
  let client = clients.get(projectId);
  if (!client) {
    client = createClient(projectId);
    clients.set(projectId, client);
  }
  return client;
}

/**
 * Deployed (PLATFORM_ENV=production), the REST transport (HTTP/1.1, `preferRest`): it loads no gRPC
 * channel and builds no gRPC descriptors at a cold start (about 100 ms less CPU for the client's first
 * operations, `npm run bench:coldstart`), and nothing here needs gRPC (no listeners). Elsewhere gRPC,
 * unless FIRESTORE_PREFER_REST=true (the library's own switch): against the emulator it carries about
 * half again the dev stack's bulk throughput (`npm run bench:bulk`: 28 purchases/s against 19 over
 * REST), while the cold-start bench and the deploy rehearsal run the deployed functions on REST, as
 * production does. The emulator serves the same REST API and takes the `owner` bearer token as the
 * admin identity (what the client sends over gRPC on its own); over REST it is the auth client's
 * token, so no credentials are looked up and no metadata server is asked.
 */
async function createClient(projectId: string): Promise<Firestore> {
  const preferRest = process.env.PLATFORM_ENV === 'production' || process.env.FIRESTORE_PREFER_REST === 'true';
  const settings = { projectId, ignoreUndefinedProperties: true, preferRest } as const;
  if (!preferRest || !process.env.FIRESTORE_EMULATOR_HOST) {
    const { Firestore } = await import('@google-cloud/firestore');
    return new Firestore(settings);
  }
  const [{ Firestore }, { OAuth2Client }] = await Promise.all([import('@google-cloud/firestore'), import('google-auth-library')]);
  const emulatorAdmin = new OAuth2Client();
  emulatorAdmin.setCredentials({ access_token: 'owner' });
  return new Firestore({ ...settings, authClient: emulatorAdmin });
}

/**
 * How long a provider webhook's record (webhookEvents/{id}: the de-duplication of retried and copied
 * deliveries) is kept. Firestore's TTL policy on expiresAt (terraform/firestore.tf) deletes it then;
 * TTL needs a Timestamp, so expiresAt is a Date. Twilio and Plivo signatures carry no time: a copy
 * replayed after this long would be taken as new (and relayed once more).
 */
export const WEBHOOK_EVENT_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;
export const webhookEventExpiry = (now: Date): Date => new Date(now.getTime() + WEBHOOK_EVENT_RETENTION_MS);

/** The id of the number record a claim (numberClaims/{e164}) points at, as its path segment. */
export function claimedNumberId(claim: DocumentSnapshot): string {
  const id: unknown = claim.get('numberId');
  return typeof id === 'string' ? id : String(id);
}

/** Tenant scope is structural: every tenant-owned collection lives under tenants/{tenantId}. */
export const paths = {
  tenant: (tenantId: string) => `tenants/${tenantId}`,
  numbers: (tenantId: string) => `tenants/${tenantId}/numbers`,
  number: (tenantId: string, id: string) => `tenants/${tenantId}/numbers/${id}`,
  /** One document per E.164 a tenant holds: makes "never hold a number twice" a transactional check. */
  numberClaim: (tenantId: string, e164: string) => `tenants/${tenantId}/numberClaims/${e164}`,
  /**
   * Platform-wide: which tenant holds a number at a provider (one document per provider and E.164).
   * Written in the transaction that claims the number, deleted in the one that lets it go; every
   * adoption, settlement and inbound look-up goes by it, so a number is held by at most one tenant.
   */
  numberOwner: (provider: string, e164: string) => `numberOwners/${provider}:${encodeURIComponent(e164)}`,
  idempotencyKey: (tenantId: string, keyHash: string) => `tenants/${tenantId}/idempotencyKeys/${keyHash}`,
};
