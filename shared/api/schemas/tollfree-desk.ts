import { z } from 'zod';
import { routingSchema } from '../../providers/somos/routing.js';
import { page, PageQuery } from './numbers.js';
import { RespOrgTransferResource, TollFreeNumberParam } from './tollfree.js';

// ---------- toll-free desk: routing versions ----------
export const TollFreeRoutingVersionParams = TollFreeNumberParam.extend({
  versionId: z.string().regex(/^rtv_[a-f0-9]{16}$/, 'must be a routing version id (rtv_…) from GET /v1/tollfree/{number}/routing'),
}).strict();
const RoutingVersionResource = z.object({
  id: z.string().meta({ description: "'current', or the pending version's id (rtv_…)" }),
  status: z.enum(['current', 'pending']),
  routing: routingSchema.optional(),
  mode: z.enum(['normal', 'disaster']),
  disasterDefaulted: z.boolean().optional(),
  effectiveAt: z.string().optional(),
  createdAt: z.string().optional(),
});
export const RoutingVersionsResponse = z.object({
  number: z.string(),
  phoneNumber: z.string(),
  data: z.array(RoutingVersionResource),
  registry: z
    .union([
      z.object({ versions: z.array(z.object({ effectiveAt: z.string(), status: z.string().optional() })) }),
      z.object({ error: z.string() }),
      z.object({ pending: z.literal(true) }),
    ])
    .optional()
    .meta({ description: 'The customer record versions as the registry lists them (lstEffDtTms)' }),
});

// ---------- RespOrg transfers: list, cancel, LOA documents ----------
export const RespOrgTransfersQuery = z
  .object({
    status: z.enum(['submitted', 'pending', 'approved', 'completed', 'partially_completed', 'rejected', 'cancelled', 'failed']).optional(),
    direction: z.enum(['in', 'out']).optional(),
    number: TollFreeNumberParam.shape.number.optional(),
    ...PageQuery,
  })
  .strict();
export const RespOrgTransfersPage = page(RespOrgTransferResource);
export const RespOrgLoaResource = z.object({
  id: z.string(),
  filename: z.string(),
  contentType: z.literal('application/pdf'),
  size: z.number().int(),
  sha256: z.string(),
  createdAt: z.string(),
});
