import { z } from 'zod';
import { numberTypes } from '../../providers/types.js';
import { AccountIdValue, CompanyIdValue, Country, ResourceId } from './base.js';
import { AddressIdValue } from './addresses.js';
import { PageQuery, PhoneNumberResource, page } from './numbers.js';

// ---------- regulatory requirements (Telnyx) ----------
const RequirementAction = z.enum(['ordering', 'porting']);
export const RequirementsQuery = z
  .object({ country: Country, type: z.enum(numberTypes).default('local'), action: RequirementAction.default('ordering') })
  .strict();
const RequirementFieldResource = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['document', 'textual', 'address']),
  description: z.string().optional(),
  acceptanceCriteria: z.object({
    minLength: z.number().optional(),
    maxLength: z.number().optional(),
    acceptableValues: z.array(z.string()).optional(),
    acceptableCharacters: z.string().optional(),
    regex: z.string().optional(),
    localityLimit: z.string().optional(),
    timeLimit: z.string().optional(),
  }),
});
export const RequirementsResponse = z.object({
  country: z.string(),
  type: z.string(),
  action: z.string(),
  hasRequirements: z.boolean(),
  requirements: z.array(RequirementFieldResource),
});
export const CreateRequirementGroupBody = z
  .object({
    country: Country,
    type: z.enum(numberTypes),
    action: RequirementAction.default('ordering'),
    accountId: AccountIdValue.optional(),
    companyId: CompanyIdValue.optional().meta({ description: 'One group per company and destination zone (country): without it, the tenant’s own group' }),
  })
  .strict();
const GroupStatus = z.enum(['creating', 'draft', 'pending', 'approved', 'rejected', 'unapproved']);
export const RequirementGroupResource = z.object({
  id: z.string(),
  provider: z.string(),
  accountId: z.string(),
  country: z.string(),
  type: z.string(),
  action: z.string(),
  companyId: z.string().optional(),
  providerGroupId: z.string().optional(),
  status: GroupStatus,
  statusReason: z.string().optional(),
  requirements: z.array(RequirementFieldResource),
  values: z.record(
    z.string(),
    z.object({
      kind: z.string(),
      value: z.string().optional(),
      documentId: z.string().optional(),
      addressId: z.string().optional(),
      filename: z.string().optional(),
      submittedAt: z.string(),
      status: z.enum(['declined']).optional().meta({ description: 'declined: the provider refused this value (see reason); send a new one' }),
      reason: z.string().optional(),
    }),
  ),
  submittedAt: z.string().optional(),
  decidedAt: z.string().optional(),
  holdsDuringReview: z.boolean().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const RequirementGroupsQuery = z.object({ country: Country.optional(), companyId: CompanyIdValue.optional(), ...PageQuery }).strict();
export const RequirementGroupsPage = page(RequirementGroupResource);
const GroupIdValue = ResourceId('rqg', 'requirement group');
export const RequirementGroupId = z.object({ id: GroupIdValue }).strict();
export const RequirementValueParams = z
  .object({ id: GroupIdValue, requirementId: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'is not a requirement id') })
  .strict();
export const SetRequirementValueBody = z
  .object({
    value: z.string().trim().min(1).max(1000).optional().meta({ description: 'Textual requirements' }),
    addressId: AddressIdValue.optional().meta({ description: 'Address requirements: one of the tenant’s addresses (POST /v1/addresses)' }),
  })
  .strict()
  .superRefine((b, ctx) => {
    if ((b.value === undefined) === (b.addressId === undefined)) ctx.addIssue({ code: 'custom', path: ['value'], message: 'give either value (textual) or addressId (address)' });
  });
export const RequirementGroupStatusResponse = z.object({
  id: z.string(),
  status: GroupStatus,
  isComplete: z.boolean(),
  completionPercentage: z.number().int().min(0).max(100),
  remaining: z.array(z.object({ requirementId: z.string(), name: z.string(), kind: z.string() })),
  statusReason: z.string().optional().meta({ description: 'Why the provider declined the group, when it says' }),
  rejections: z
    .array(z.object({ requirementId: z.string(), name: z.string(), kind: z.string(), reason: z.string().optional() }))
    .meta({ description: 'The values the provider declined, each with its reason when the provider gives one' }),
  canOrder: z
    .boolean()
    .meta({
      description:
        'Numbers can be ordered now: approved, or submitted (the provider holds an ordered number while it reviews the group) — false once the provider answered that it does not hold this country’s numbers during review',
    }),
});
export const PollRequirementGroupTask = z
  .object({ tenantId: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/), groupId: GroupIdValue, attempt: z.number().int().min(0) })
  .strict();
export const PollRequirementGroupResult = z.object({ status: GroupStatus, polledAgain: z.boolean() });

// ---------- webhooks ----------
export const WebhookAck = z.object({
  received: z.literal(true),
  eventId: z.string(),
  outcome: z.enum(['applied', 'duplicate', 'stale', 'ignored', 'unconfirmed']),
});

export const NotInServiceParams = z.object({ provider: z.enum(['twilio', 'vonage']) }).strict();
export const NotInServiceAck = z.object({ received: z.literal(true) });

// ---------- gig check ----------
export const NumberCheckQuery = z.object({ gigId: z.string().trim().min(1).max(128) }).strict();
export const NumberCheckResponse = z.object({ hasNumber: z.boolean(), numbers: z.array(PhoneNumberResource) });
