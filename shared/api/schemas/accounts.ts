import { z } from 'zod';
import { credentialSchemas, platformOnlyProviders } from '../../providers/credentials.js';
import { AgentIdValue, E164, ForceFlag, LocationIdValue, Name, ResourceId } from './base.js';
import { PageQuery, page } from './numbers.js';
import { CarriersSchema } from '../../domain/carriers.js';

// ---------- provider accounts ----------
export const CreateProviderAccountBody = z
  .discriminatedUnion('provider', [
    ...(Object.entries(credentialSchemas) as [keyof typeof credentialSchemas, z.ZodType][])
      .filter(([provider]) => !(platformOnlyProviders as readonly string[]).includes(provider))
      .map(([provider, credentials]) =>
      z.object({
        provider: z.literal(provider),
        credentials,
        label: Name(64).optional(),
        isDefault: z.boolean().optional().meta({ description: 'Use this account by default for the provider (the first one is)' }),
      }).strict(),
    ),
  ] as unknown as [z.ZodObject, ...z.ZodObject[]]);
export const ProviderAccountResource = z.object({
  id: z.string(),
  provider: z.string(),
  label: z.string().optional(),
  credentials: z.record(z.string(), z.string()).meta({ description: 'Masked preview; secrets are never returned' }),
  isDefault: z.boolean(),
  verifiedAt: z.string(),
  credentialsRotatedAt: z.string().optional().meta({ description: 'When the credentials were last replaced (PATCH)' }),
  reattachedNumbers: z
    .number()
    .int()
    .optional()
    .meta({ description: 'On creation: numbers left detached when this same account was removed earlier, attached to it again (they keep their account id)' }),
  detachedNumbers: z
    .number()
    .int()
    .optional()
    .meta({ description: 'On a forced removal: numbers left detached — still held and billed at the provider until released (re-add the account to manage them)' }),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const UpdateProviderAccountBody = z
  .object({
    credentials: z
      .record(z.string().max(32), z.string().max(256))
      .refine((c) => Object.keys(c).length > 0 && Object.keys(c).length <= 4, 'name 1-4 credential fields')
      .optional()
      .meta({
        description:
          'New credentials of the same account: the secret alone (e.g. {"authToken": "…"}) or the whole set. Verified with the provider before they replace the stored ones (a new Secret Manager version; the old one is disabled once the new one works)',
      }),
    label: Name(64).nullable().optional(),
    isDefault: z.boolean().optional().meta({ description: 'true: the provider’s default account (the previous default stops being it); false: no default for the provider' }),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'name at least one field to change');
export const ProviderAccountsPage = page(ProviderAccountResource);
export const ProviderAccountId = z.object({ id: ResourceId('acc', 'provider account') }).strict();
export const ListPageQuery = z.object(PageQuery).strict();
export const DeleteWithForceQuery = ForceFlag;

// ---------- locations ----------
const LocationFields = {
  address: z.string().trim().min(1).max(256),
  timezone: z.string().regex(/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+){0,2}$/, 'must be an IANA time zone, e.g. America/New_York'),
  externalRef: z.string().trim().min(1).max(128),
};
export const CreateLocationBody = z
  .object({
    name: Name(128),
    address: LocationFields.address.optional(),
    timezone: LocationFields.timezone.optional(),
    externalRef: LocationFields.externalRef.optional(),
  })
  .strict();
export const UpdateLocationBody = z
  .object({
    name: Name(128).optional(),
    address: LocationFields.address.nullable().optional(),
    timezone: LocationFields.timezone.nullable().optional(),
    externalRef: LocationFields.externalRef.nullable().optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'name at least one field to change');
export const LocationResource = z.object({
  id: z.string(),
  name: z.string(),
  address: z.string().optional(),
  timezone: z.string().optional(),
  externalRef: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const LocationsPage = page(LocationResource);
export const LocationId = z.object({ id: LocationIdValue }).strict();

// ---------- tenant settings ----------
export const accountPolicies = ['platform', 'own-only'] as const;
export const TenantSettingsResource = z.object({
  accountPolicy: z.enum(accountPolicies).meta({
    description:
      "platform: purchases without an account of the tenant's own for the provider go through the operator's account; own-only: they are refused (409 CONFLICT, details.reason no_account) — nothing is ever bought on the operator's account",
  }),
  accountPolicySource: z.enum(['tenant', 'default']).meta({ description: 'tenant: set for this tenant; default: the deployment’s ACCOUNT_POLICY_DEFAULT' }),
  tollfreeCarriers: CarriersSchema.nullable().meta({
    description: 'Carriers (CIC) every toll-free customer record gets unless a request names its own: the tenant’s, else the deployment’s SOMOS_DEFAULT_CARRIERS; null when neither is set (activation then needs carriers in the request)',
  }),
  tollfreeCarriersSource: z.enum(['tenant', 'default', 'none']).meta({ description: 'tenant: set for this tenant; default: SOMOS_DEFAULT_CARRIERS; none: neither' }),
  defaults: z
    .object({ accountPolicy: z.enum(accountPolicies), tollfreeCarriers: CarriersSchema.nullable() })
    .meta({ description: 'The deployment’s defaults (what null restores)' }),
});
export const UpdateTenantSettingsBody = z
  .object({
    accountPolicy: z.enum(accountPolicies).nullable().optional().meta({ description: 'null: back to the deployment default' }),
    tollfreeCarriers: CarriersSchema.nullable().optional().meta({
      description: 'interLATA and intraLATA carriers (CIC, 4 digits) of the tenant’s toll-free customer records; null: back to the deployment default',
    }),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'name at least one setting to change');

// ---------- agents ----------
const AgentPhone = E164.meta({ description: 'An active number of this tenant, E.164' });
export const CreateAgentBody = z
  .object({
    name: Name(128),
    description: z.string().trim().min(1).max(1000).optional(),
    inboundPhone: AgentPhone.optional(),
    outboundPhone: AgentPhone.optional(),
    assistantId: z.string().trim().min(1).max(128).optional(),
  })
  .strict();
export const UpdateAgentBody = z
  .object({
    name: Name(128).optional(),
    description: z.string().trim().min(1).max(1000).nullable().optional(),
    inboundPhone: AgentPhone.nullable().optional(),
    outboundPhone: AgentPhone.nullable().optional(),
    assistantId: z.string().trim().min(1).max(128).nullable().optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'name at least one field to change');
export const AgentResource = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().optional(),
  inboundPhone: z.string().optional(),
  inboundNumberId: z.string().optional(),
  outboundPhone: z.string().optional(),
  outboundNumberId: z.string().optional(),
  assistantId: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const AgentsPage = page(AgentResource);
export const AgentId = z.object({ id: AgentIdValue }).strict();

// ---------- audit ----------
export const AuditQuery = z
  .object({
    resource: z
      .string()
      .regex(
        /^(numbers|locations|agents|provider-accounts|tollfree-numbers|tollfree-requests|resporg-transfers|tenant)(\/[\w-]{1,64})?$/,
        'must look like numbers/{id}, locations/{id}, agents/{id}, provider-accounts/{id}, tollfree-numbers/{number}, tollfree-requests/{id}, resporg-transfers/{id} or tenant/settings',
      )
      .optional(),
    ...PageQuery,
  })
  .strict();
export const AuditRecordResource = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.union([
    z.object({ type: z.literal('user'), uid: z.string(), role: z.string() }),
    z.object({
      type: z.literal('system'),
      name: z.string(),
      onBehalfOf: z.string().optional().meta({ description: 'uid of the user the system acted for: the creator of the bulk job (name bulk-job:{jobId}) whose item made the change' }),
    }),
  ]),
  requestId: z.string(),
  action: z.string(),
  resource: z.string(),
  before: z.record(z.string(), z.unknown()).nullable(),
  after: z.record(z.string(), z.unknown()).nullable(),
});
export const AuditPage = z.object({ data: z.array(AuditRecordResource), nextCursor: z.string().optional() });

export const OpenApiDocument = z.record(z.string(), z.unknown());
