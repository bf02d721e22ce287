import type { DocumentSnapshot, Firestore } from '@google-cloud/firestore';

const clients = new Map<string, Promise<Firestore>>();

/** Lazily loaded (cold start): functions that never touch Firestore never load its client. */
export function getFirestore(projectId: string): Promise<Firestore> {
  let client = clients.get(projectId);
  if (!client) {
    // Deployed, the REST transport avoids loading gRPC at cold start (the emulator speaks gRPC only).
    const preferRest = process.env.PLATFORM_ENV === 'production' && !process.env.FIRESTORE_EMULATOR_HOST;
    client = import('@google-cloud/firestore').then(
      ({ Firestore }) => new Firestore({ projectId, ignoreUndefinedProperties: true, ...(preferRest ? { preferRest: true } : {}) }),
    );
    clients.set(projectId, client);
  }
  return client;
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
