import { z } from 'zod';
import { normalizeTollFree, routingSchema, TOLL_FREE_NPAS as SOMOS_TOLL_FREE_NPAS } from '../../providers/somos/routing.js';
import { MAX_QUANTITY as MAX_TOLLFREE_QUANTITY, searchMode, type SearchSpec } from '../../../modules/tollfree/services/search-spec.js';
import { CarriersSchema } from '../../domain/carriers.js';
import { MAX_RESERVATION_DAYS, tollFreeStatuses } from '../../domain/tollfree-lifecycle.js';
import { ScheduledRoutingSchema } from '../../../modules/tollfree/services/scheduled-routing.js';
import { E164, HttpsUrl, Limit, ResourceId } from './base.js';

// ---------- toll-free (Somos) ----------
const TollFreeNumberValue = z
  .string()
  .max(32)
  .transform((value, ctx) => {
    try {
      return normalizeTollFree(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a toll-free number: 800, 833, 844, 855, 866, 877 or 888 then 7 digits (E.164 or 10 digits)' });
      return z.NEVER;
    }
  })
  .meta({ description: 'Toll-free number, E.164 or 10 digits', example: '+18335550100' });
export const TollFreeNumberParam = z.object({ number: TollFreeNumberValue }).strict();

/** Exactly one search mode (random / pattern / vanity / numbers); each problem names its field. */
const checkSearchMode = (spec: SearchSpec, ctx: z.RefinementCtx) => {
  const mode = searchMode(spec);
  if ('issues' in mode) for (const issue of mode.issues) ctx.addIssue({ code: 'custom', path: [issue.field], message: issue.message });
};
const TollFreeSearchFields = {
  npa: z.enum(SOMOS_TOLL_FREE_NPAS, { error: `must be a toll-free NPA (${SOMOS_TOLL_FREE_NPAS.join(', ')})` }).optional(),
  nxx: z.string().regex(/^[2-9]\d{2}$/, 'must be 3 digits, the first 2-9').optional(),
  line: z.string().regex(/^\d{4}$/, 'must be 4 digits (the starting line number)').optional(),
  quantity: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_TOLLFREE_QUANTITY, `at most ${MAX_TOLLFREE_QUANTITY} per call (larger quantities go through bulk jobs)`)
    .optional(),
  pattern: z
    .string()
    .regex(/^8[0-9*]{9}$/, "must be 10 characters starting with 8: digits and '*' for any digit (e.g. 8**9**0023)")
    .optional(),
  vanity: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,9}$/, 'must be letters or digits')
    .refine((v) => v.replace(/-/g, '').length >= 1 && v.replace(/-/g, '').length <= 7, 'must be 1-7 letters or digits (the end of the number, e.g. FLOWERS)')
    .optional(),
};
export const AvailableTollFreeQuery = z
  .object({
    ...TollFreeSearchFields,
    consecutive: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
    numbers: z
      .string()
      .max(400)
      .transform((value, ctx) => {
        const parts = value.split(',').map((p) => p.trim()).filter(Boolean);
        const out: string[] = [];
        for (const part of parts) {
          try {
            out.push(normalizeTollFree(part));
          } catch {
            ctx.addIssue({ code: 'custom', message: `'${part.slice(0, 20)}' is not a toll-free number` });
            return z.NEVER;
          }
        }
        if (out.length < 1 || out.length > MAX_TOLLFREE_QUANTITY) {
          ctx.addIssue({ code: 'custom', message: `must list 1 to ${MAX_TOLLFREE_QUANTITY} numbers, comma-separated` });
          return z.NEVER;
        }
        return [...new Set(out)];
      })
      .meta({ description: 'Specific numbers, comma-separated', example: '8005551234,8335550100' })
      .optional(),
  })
  .strict()
  .superRefine(checkSearchMode);

const TollFreePending = z.object({
  status: z.literal('pending'),
  requestId: z.string(),
  poll: z.string().meta({ description: 'GET this path for the result' }),
  resource: z.string().optional(),
});
const AvailableTollFreeResult = z.object({
  data: z.array(z.object({ number: z.string(), phoneNumber: z.string() })),
  mode: z.enum(['random', 'wildcard', 'vanity', 'specific']),
  pattern: z.string().optional().meta({ description: 'The wildcard sent to the registry (pattern and vanity modes)' }),
  cached: z.boolean(),
  searchedAt: z.string(),
});
export const AvailableTollFreeResponse = z.union([AvailableTollFreeResult, TollFreePending]);

export const ReserveTollFreeBody = z
  .object({
    ...TollFreeSearchFields,
    consecutive: z.boolean().optional(),
    numbers: z.array(TollFreeNumberValue).min(1).max(MAX_TOLLFREE_QUANTITY).optional(),
    contactName: z.string().trim().min(1).max(100),
    contactPhone: E164.refine((v) => /^\+1[2-9]\d{9}$/.test(v), 'must be a North American number (+1 then 10 digits)'),
    notes: z.string().trim().min(1).max(100).optional(),
    reservationDays: z
      .number()
      .int()
      .min(1)
      .max(MAX_RESERVATION_DAYS, `at most ${MAX_RESERVATION_DAYS} days (the tariff’s limit)`)
      .optional()
      .meta({ description: `How long the registry holds the numbers: 1-${MAX_RESERVATION_DAYS} days (default ${MAX_RESERVATION_DAYS}, the tariff’s maximum)`, example: 30 }),
  })
  .strict()
  .superRefine(checkSearchMode);

const TollFreeStatus = z.enum(tollFreeStatuses);
const TextEnablementReasonResource = z
  .object({ code: z.string(), message: z.string() })
  .meta({ description: 'Why TSS rejected the text enablement (G: TSS has no public API; the sandbox’s codes)' });
const SmsStateResource = z.object({
  status: z.enum(['pending', 'enabled', 'rejected', 'disabled']),
  reason: TextEnablementReasonResource.optional(),
  disabledAt: z.string().optional(),
  sms: z.boolean(),
  mms: z.boolean(),
  webhookUrl: z.string().optional(),
  tssRequestId: z.string(),
  submittedAt: z.string(),
  dueBy: z.string(),
  decidedAt: z.string().optional(),
  lastCheckedAt: z.string().optional(),
});
export const TollFreeNumberResource = z.object({
  id: z.string().meta({ description: '10 digits' }),
  phoneNumber: z.string(),
  status: TollFreeStatus,
  respOrgId: z.string(),
  npa: z.string().optional(),
  reservedUntil: z.string().optional(),
  expiresAt: z.string().optional().meta({ description: 'When the reservation lapses (reserved numbers): activate or release before' }),
  expiringSoon: z.boolean().optional().meta({ description: 'A reserved number whose reservation lapses within 7 days' }),
  contactName: z.string().optional(),
  contactPhone: z.string().optional(),
  notes: z.string().optional(),
  routing: routingSchema.optional(),
  routingMode: z.enum(['normal', 'disaster']).optional(),
  disasterDefaulted: z.boolean().optional().meta({ description: 'routing.disaster is the platform default (SOMOS_DEFAULT_DISASTER_NUMBER)' }),
  routingEffectiveAt: z.string().optional(),
  scheduledRouting: z
    .array(ScheduledRoutingSchema)
    .optional()
    .meta({ description: 'Routing changes dated in the future, soonest first: each its own customer record version until it takes effect' }),
  customerRecord: z.object({ recVersionId: z.string().optional(), status: z.string().optional(), effDtTm: z.string().optional() }).optional(),
  sms: SmsStateResource.optional(),
  textEnabled: z.boolean().optional(),
  carriers: CarriersSchema.optional().meta({ description: 'The carriers (CIC) of the customer record as last written' }),
  disconnect: z
    .object({
      requestedAt: z.string(),
      effectiveAt: z.string().meta({ description: 'When the number stops working (the customer record’s disconnect time)' }),
      referral: z.boolean().meta({ description: 'Callers hear the intercept (referral) recording until endInterceptAt' }),
      endInterceptAt: z.string().optional(),
      spareAt: z.string().meta({ description: 'When the number goes back to spare: the end of the intercept, and at least 45 days after the disconnect (47 CFR 52.103(d))' }),
      phase: z.enum(['scheduled', 'referral', 'aging', 'spare']).optional().meta({ description: 'Where the number is in disconnect → referral → aging → spare, now' }),
      reason: z.string().optional(),
    })
    .optional(),
  transferId: z.string().optional(),
  pendingRequestId: z.string().optional(),
  releasedAt: z.string().optional(),
  statusReason: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const TollFreeNumberOrPending = z.union([TollFreeNumberResource, TollFreePending]);
export const ReserveTollFreeResponse = z.union([
  z.object({ data: z.array(TollFreeNumberResource), failed: z.array(z.object({ number: z.string(), reason: z.string() })) }),
  TollFreePending,
]);

const RegistryDestination = z.object({ type: z.enum(['pstn', 'sip_gateway']), destination: z.string() });
const RegistryRoutingResource = z.object({
  num: z.string(),
  effDtTm: z.string().optional(),
  primary: RegistryDestination.optional(),
  destinations: z.array(RegistryDestination),
  timeOfDay: z
    .array(z.object({ days: z.array(z.string()), start: z.string(), end: z.string(), timezone: z.string().optional(), destination: RegistryDestination }))
    .optional(),
  percentage: z.array(z.object({ percent: z.number(), destination: RegistryDestination })).optional(),
  areaOfService: z
    .object({ npas: z.array(z.string()).optional(), states: z.array(z.string()).optional(), latas: z.array(z.string()).optional(), networks: z.array(z.string()).optional() })
    .optional(),
  carriers: z.object({ interLATA: z.array(z.string()).optional(), intraLATA: z.array(z.string()).optional() }).optional(),
  customerRecordStatus: z.string().optional(),
});
export const TollFreeDetail = TollFreeNumberResource.extend({
  registry: z
    .object({
      status: z.string().optional(),
      respOrgId: z.string().optional(),
      reservedUntil: z.string().optional(),
      effectiveDate: z.string().optional(),
      lastActivated: z.string().optional(),
      pending: z.boolean().optional(),
      error: z.string().optional(),
    })
    .meta({ description: 'What the TFN Registry says now (query)' }),
  registryRouting: z
    .union([RegistryRoutingResource, z.object({ pending: z.literal(true) }), z.object({ error: z.string() })])
    .optional()
    .meta({ description: 'The customer record as the registry holds it (SIP destinations show as the SIP gateway number)' }),
});

const RoutingInput = z.unknown().meta({
  description: 'Routing: primary {type sip|pstn, destination}, disaster?, timeOfDay[]?, percentage[]? (sums to 100), areaOfService?',
  ...routingJsonSchema(),
});
const EffectiveAt = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' }).optional().meta({
  description: 'When the routing takes effect (rounded up to the quarter hour); default now',
});
const CarriersOverride = CarriersSchema.optional().meta({
  description: 'interLATA and intraLATA carriers (CIC, 4 digits) of the customer record; default the tenant’s tollfreeCarriers, else the platform’s',
});
export const ActivateTollFreeBody = z.object({ routing: RoutingInput, effectiveAt: EffectiveAt, carriers: CarriersOverride }).strict();
export const UpdateTollFreeRoutingBody = z
  .object({
    routing: RoutingInput.optional().meta({ description: 'The routing; without it, mode alone switches the current routing (e.g. to disaster)' }),
    effectiveAt: EffectiveAt,
    mode: z.enum(['normal', 'disaster']).optional().meta({ description: "'disaster' sends all traffic to the disaster destination" }),
    carriers: CarriersOverride,
  })
  .strict();

export const ListTollFreeQuery = z
  .object({
    status: TollFreeStatus.optional(),
    npa: z.enum(SOMOS_TOLL_FREE_NPAS, { error: `must be a toll-free NPA (${SOMOS_TOLL_FREE_NPAS.join(', ')})` }).optional(),
    textEnabled: z.enum(['true', 'false']).transform((v) => v === 'true').optional().meta({ description: 'Only numbers whose text enablement is (or is not) enabled' }),
    expiringWithinDays: z.coerce
      .number()
      .int()
      .min(1)
      .max(MAX_RESERVATION_DAYS)
      .optional()
      .meta({ description: 'Only reservations that lapse within this many days, soonest first (with npa; not with textEnabled or another status)' }),
    limit: Limit(100, 20),
    cursor: z.string().max(512).optional(),
  })
  .strict();
export const TollFreePage = z.object({
  data: z.array(TollFreeNumberResource),
  nextCursor: z.string().optional(),
});

export const DisconnectTollFreeBody = z
  .object({
    effectiveAt: z.iso
      .datetime({ offset: true, message: 'must be an ISO 8601 date-time' })
      .optional()
      .meta({ description: 'When the number stops working (rounded up to the quarter hour); default now' }),
    referral: z.boolean().optional().meta({ description: 'Callers hear the intercept (referral) recording until endInterceptAt (default true)' }),
    referralDays: z
      .number()
      .int()
      .min(1)
      .max(120)
      .optional()
      .meta({ description: 'How long the intercept recording plays after effectiveAt: 1-120 days (4 months), default 45' }),
    reason: z.string().trim().min(1).max(100).optional(),
  })
  .strict()
  .refine((b) => !(b.referral === false && b.referralDays !== undefined), { path: ['referralDays'], message: 'only with referral' });

export const TextEnableBody = z
  .object({ sms: z.boolean(), mms: z.boolean(), webhookUrl: HttpsUrl.optional() })
  .strict()
  .refine((b) => b.sms || b.mms, { path: ['sms'], message: 'request sms and/or mms' });
export const TextEnablementResource = z.object({
  number: z.string(),
  status: z.enum(['none', 'pending', 'enabled', 'rejected', 'disabled']),
  reason: TextEnablementReasonResource.optional(),
  disabledAt: z.string().optional(),
  sms: z.boolean().optional(),
  mms: z.boolean().optional(),
  webhookUrl: z.string().optional(),
  tssRequestId: z.string().optional(),
  submittedAt: z.string().optional(),
  dueBy: z.string().optional().meta({ description: 'The RespOrg’s response is due within 2 business days' }),
  decidedAt: z.string().optional(),
  overdue: z.boolean().optional(),
});

export const TollFreeRequestId = z.object({ id: ResourceId('tfr', 'toll-free request') }).strict();
export const TollFreeRequestResource = z.object({
  id: z.string(),
  operation: z.enum(['search', 'reserve', 'release', 'activate', 'routing', 'transfer', 'entity', 'disconnect']),
  status: z.enum(['pending', 'completed', 'failed']),
  resource: z.string().optional(),
  result: z.unknown().optional(),
  error: z.object({ message: z.string(), code: z.string().optional() }).optional(),
  attempts: z.number().int(),
  origin: z
    .object({ jobId: z.string(), itemId: z.string() })
    .optional()
    .meta({ description: 'Made for a bulk job item, which waits for this request and ends with it' }),
  createdAt: z.string(),
  updatedAt: z.string(),
  completedAt: z.string().optional(),
});

const RespOrgUnitResource = z.object({ respOrgId: z.string(), status: z.string() });
export const RespOrgEntityId = z.object({ entityId: z.string().regex(/^[A-Z0-9]{2}$/, 'must be a 2-character RespOrg entity id') }).strict();
export const RespOrgEntitiesResponse = z.union([
  z.object({ data: z.array(z.object({ entityId: z.string(), respOrgId: z.string(), units: z.array(RespOrgUnitResource) })) }),
  TollFreePending,
]);
export const RespOrgUnitsResponse = z.union([z.object({ entityId: z.string(), data: z.array(RespOrgUnitResource) }), TollFreePending]);

const RespOrgIdValue = z.string().regex(/^[A-Z0-9]{5}$/, 'must be a 5-character RespOrg unit id');
export const CreateRespOrgTransferBody = z
  .object({
    numbers: z.array(TollFreeNumberValue).min(1).max(MAX_TOLLFREE_QUANTITY),
    fromRespOrgId: RespOrgIdValue.optional(),
    loaId: ResourceId('loa', 'LOA').meta({ description: 'The signed letter of authorization, uploaded first with POST /v1/resporg/loas' }),
    loaReference: z.string().trim().min(1).max(100).optional().meta({ description: 'Your own reference for the LOA' }),
  })
  .strict();
const TransferStatus = z.enum(['submitted', 'pending', 'approved', 'completed', 'partially_completed', 'rejected', 'cancelled', 'failed']);
export const RespOrgTransferResource = z.object({
  id: z.string(),
  status: TransferStatus,
  toRespOrgId: z.string(),
  fromRespOrgId: z.string().optional(),
  direction: z.enum(['in', 'out']).optional().meta({ description: 'in: numbers coming to the tenant’s unit; out: one of its numbers moved to another RespOrg' }),
  numbers: z.array(z.string()).optional(),
  loaReference: z.string().optional(),
  loa: z.object({ id: z.string(), filename: z.string() }).optional().meta({ description: 'The uploaded LOA, by reference' }),
  expectedCompletion: z
    .object({ earliest: z.string(), latest: z.string() })
    .optional()
    .meta({ description: 'RespOrg changes take 5-7 business days (weekends and US federal holidays excluded; assumed, not a Somos commitment)' }),
  items: z.array(
    z.object({
      number: z.string(),
      phoneNumber: z.string(),
      status: z.enum(['submitted', 'pending', 'approved', 'completed', 'rejected', 'cancelled', 'failed']),
      rchId: z.string().optional(),
      oldRespOrgId: z.string().optional(),
      error: z.string().optional(),
      updatedAt: z.string(),
    }),
  ),
  history: z.array(z.object({ status: TransferStatus, at: z.string(), source: z.enum(['request', 'notification', 'poll']) })),
  pendingRequestId: z.string().optional(),
  completedAt: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const RespOrgTransferResponse = z.union([RespOrgTransferResource, TollFreePending.extend({ transfer: RespOrgTransferResource })]);
export const RespOrgTransferId = z.object({ id: ResourceId('rch', 'RespOrg transfer') }).strict();

const TenantIdValue = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/);
export const SomosFollowupTask = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('request'), tenantId: TenantIdValue, id: TollFreeRequestId.shape.id, attempt: z.number().int().min(0) }).strict(),
  z.object({ kind: z.literal('sms'), tenantId: TenantIdValue, number: z.string().regex(/^\d{10}$/), attempt: z.number().int().min(0) }).strict(),
  z.object({ kind: z.literal('transfer'), tenantId: TenantIdValue, id: RespOrgTransferId.shape.id, attempt: z.number().int().min(0) }).strict(),
]);
export const SomosFollowupResult = z.object({ kind: z.enum(['request', 'sms', 'transfer']), status: z.string(), polledAgain: z.boolean() });
export const SomosTokenRefreshBody = z.object({}).strict();
export const SomosTokenRefreshResult = z.object({
  action: z.enum(['none', 'refreshed', 'reopened', 'opened']),
  expiresAt: z.string(),
  refreshExpiresAt: z.string(),
});

/** The routing model as JSON Schema, for the OpenAPI document (the body is validated by parseRouting, naming each field). */
function routingJsonSchema(): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(routingSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}
