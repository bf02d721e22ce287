import { z } from 'zod';
import { numberPurposes, numberStatuses, type NumberRecord } from './number.js';
import { numberTypes, providerNames } from '../providers/types.js';
import { readEachStored, readStored } from '../store/tenant-collection.js';

const routed = z.string().nullable().optional();
/** A number's routing at its provider when it went inactive (routingFields: each value, null when it was unset). */
const routingSnapshot = z.looseObject({ voiceUrl: routed, smsUrl: routed, applicationId: routed, connectionId: routed, messagingProfileId: routed });

/** A number as stored under tenants/{tenantId}/numbers/{id}: unknown fields kept, a missing or mistyped one refused. */
const StoredNumber: z.ZodType<NumberRecord> = z.looseObject({
  id: z.string(),
  tenantId: z.string(),
  provider: z.enum(providerNames),
  accountId: z.string(),
  phoneNumber: z.string(),
  friendlyName: z.string(),
  country: z.string(),
  type: z.enum(numberTypes),
  locality: z.string().optional(),
  region: z.string().optional(),
  capabilities: z.looseObject({ voice: z.boolean(), sms: z.boolean(), mms: z.boolean(), fax: z.boolean() }),
  providerNumberId: z.string().optional(),
  displayName: z.string().optional(),
  tags: z.array(z.string()),
  smsEnabled: z.boolean(),
  voiceEnabled: z.boolean(),
  webhookUrl: z.string().optional(),
  voiceUrl: z.string().optional(),
  smsUrl: z.string().optional(),
  statusCallbackUrl: z.string().optional(),
  activeRouting: routingSnapshot.optional(),
  applicationId: z.string().optional(),
  orderId: z.string().optional(),
  orderEventAt: z.string().optional(),
  externalRef: z.string().optional(),
  companyId: z.string().optional(),
  requirementGroupId: z.string().optional(),
  vapi: z
    .looseObject({
      source: z.string(),
      credentialId: z.string().optional(),
      vapiCredentialId: z.string().optional(),
      assistantId: z.string().optional(),
      serverUrl: z.string().optional(),
      fallbackNumber: z.string().optional(),
    })
    .optional(),
  vapiCredentialId: z.string().optional(),
  countedInUsage: z.boolean().optional(),
  countedAs: z.enum(['import', 'free']).optional(),
  uncountedByJob: z.string().optional(),
  origin: z.looseObject({ jobId: z.string(), itemId: z.string() }).optional(),
  purpose: z.enum(numberPurposes).optional(),
  locationId: z.string().optional(),
  locationName: z.string().optional(),
  assignedTo: z.looseObject({ id: z.string(), name: z.string() }).optional(),
  agentId: z.string().optional(),
  outboundAgentIds: z.array(z.string()).optional(),
  monthlyRate: z.looseObject({ amount: z.string(), currency: z.string() }).optional(),
  searchTokens: z.array(z.string()).optional(),
  status: z.enum(numberStatuses),
  statusReason: z.string().optional(),
  purchase: z
    .looseObject({
      leaseUntil: z.string(),
      attempts: z.number(),
      outcome: z.enum(['in_flight', 'unknown', 'ordered', 'settled']),
      lastError: z.looseObject({ code: z.string().optional(), message: z.string() }).optional(),
      answeredAfterLease: z.boolean().optional(),
    })
    .optional(),
  providerChange: z
    .looseObject({
      requestId: z.string(),
      startedAt: z.string(),
      changes: z.record(z.string(), z.unknown()),
      activeRouting: routingSnapshot.optional(),
    })
    .optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  createdBy: z.string(),
  provisionedAt: z.string().optional(),
  releasedAt: z.string().optional(),
  releaseReason: z.string().optional(),
});

/** Parses a stored number record (throws the zod error; readNumber answers a 500 instead). */
export const parseNumberRecord = (data: unknown): NumberRecord => StoredNumber.parse(data);

/** A stored number read through its schema: one that does not match is a logged 500 INTERNAL (collection and id only). */
export const readNumber = (data: unknown, id: string): NumberRecord => readStored(parseNumberRecord, data, { collection: 'numbers', id });

/** The same, for a document that may be absent. */
export const readNumberIfAny = (data: unknown, id: string): NumberRecord | undefined => (data === undefined ? undefined : readNumber(data, id));

/** The records of a scan over many tenants' numbers (the relay's look-up, reconciliation), without one that does not match (logged). */
export const readableNumbers = (docs: readonly { id: string; data(): unknown }[]): NumberRecord[] => readEachStored(docs, (doc) => readNumber(doc.data(), doc.id));
