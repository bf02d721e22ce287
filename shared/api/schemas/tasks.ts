import { z } from 'zod';
import { AccountIdValue, Limit, NumberId, Provider } from './base.js';

// ---------- internal tasks ----------
export const SettlePurchaseTask = z
  .object({
    tenantId: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/),
    numberId: NumberId.shape.id,
    atProvider: z.boolean().optional().meta({ description: "Delivered from the provider's queue: this delivery may call the provider" }),
    retry: z.number().int().min(0).max(100).optional().meta({ description: 'How many provider-side attempts failed before this one' }),
    key: z.string().regex(/^[A-Za-z0-9_-]{1,200}$/).optional().meta({ description: 'The purchase attempt or order poll this delivery settles' }),
  })
  .strict();
export const SettlePurchaseResult = z.object({
  outcome: z.enum(['already_settled', 'handed_off', 'retry_scheduled', 'activated', 'not_bought', 'order_pending', 'order_failed']),
});

export const ReconcileStartBody = z.object({ runId: z.string().regex(/^[\w-]{1,64}$/).optional() }).strict();
export const ReconcileStartResult = z.object({ runId: z.string(), accounts: z.number().int() });
export const ReconcileAccountTask = z
  .object({
    runId: z.string().regex(/^[\w-]{1,64}$/),
    provider: z.union([Provider, z.literal('somos')]).meta({ description: 'somos: the toll-free numbers against the TFN Registry' }),
    accountId: AccountIdValue,
    tenantId: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/).optional(),
  })
  .strict();
export const ReconcileAccountResult = z.object({
  ownedAtProvider: z.number().int(),
  heldHere: z.number().int(),
  opened: z.number().int(),
  resolved: z.number().int(),
  settledPending: z.number().int(),
});
export const FindingsQuery = z
  .object({
    status: z.enum(['open', 'resolved']).optional(),
    kind: z.enum(['missing_at_provider', 'unknown_here', 'tollfree_status_mismatch', 'tollfree_not_ours']).optional(),
    limit: Limit(100, 20),
    cursor: z.string().max(512).optional(),
  })
  .strict();
export const FindingResource = z.object({
  id: z.string(),
  kind: z.enum(['missing_at_provider', 'unknown_here', 'tollfree_status_mismatch', 'tollfree_not_ours']),
  provider: z.string(),
  accountId: z.string(),
  phoneNumber: z.string(),
  numberId: z.string().optional(),
  providerNumberId: z.string().optional(),
  status: z.enum(['open', 'resolved']),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  resolvedAt: z.string().optional(),
  runId: z.string(),
  details: z
    .object({ ourStatus: z.string(), registryStatus: z.string(), registryRespOrgId: z.string().optional() })
    .optional()
    .meta({ description: 'Toll-free findings: our status and what the TFN Registry says' }),
  repair: z
    .object({ action: z.string(), registryStatus: z.string(), registryRespOrgId: z.string().optional(), repairedAt: z.string() })
    .optional()
    .meta({ description: 'Set by POST …/repair: what our record became after the registry was read again (none: it agreed by then)' }),
});
export const FindingId = z.object({ id: z.string().regex(/^[a-z_]+_[A-Za-z0-9_-]{1,100}$/, 'is not a finding id') }).strict();
export const FindingsPage = z.object({ data: z.array(FindingResource), nextCursor: z.string().optional() });
