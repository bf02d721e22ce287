import { z } from 'zod';
import { numberProviders } from '../../providers/registry.js';
import { TOLL_FREE_NPA_LIST } from '../../domain/phone.js';
import { numberTypes } from '../../providers/types.js';
import { AccountIdValue, Country, E164, Limit, ResourceId, VapiCredentialLabel } from './base.js';
import { SipTrunkCredentialFields, TelnyxCredentialFields, VonageCredentialFields, page } from './numbers.js';

// ---------- bulk jobs ----------
const ItemStateEnum = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']);
export const CreateJobBody = z
  .object({
    type: z.enum(['purchase', 'release', 'update', 'tollfree-reserve', 'tollfree-activate', 'tollfree-routing', 'tollfree-sms']),
    provider: z.enum([...numberProviders, 'somos']).meta({ description: 'somos for tollfree-* jobs' }),
    accountId: AccountIdValue.optional().meta({ description: "Purchase jobs: the provider account to buy through (default: the tenant's default account for the provider, else the platform's)" }),
    items: z.array(z.unknown()).min(1).max(10_000).optional().meta({ description: 'Up to 10,000 items, each validated up front' }),
    search: z
      .object({
        country: Country.optional().meta({ description: 'Purchase jobs (default US)' }),
        type: z.enum(numberTypes).optional().meta({ description: 'Purchase jobs (default local)' }),
        areaCode: z.string().regex(/^\d{3}$/).optional().meta({ description: 'Purchase jobs' }),
        contains: z.string().regex(/^\d{1,8}$/).optional().meta({ description: 'Purchase jobs' }),
        npa: z.enum(TOLL_FREE_NPA_LIST, { error: `must be a toll-free NPA (${TOLL_FREE_NPA_LIST.join(', ')})` }).optional().meta({ description: 'tollfree-reserve jobs' }),
        nxx: z.string().regex(/^[2-9]\d{2}$/, 'must be 3 digits, the first 2-9').optional().meta({ description: 'tollfree-reserve jobs' }),
        contactName: z.string().trim().min(1).max(64).optional().meta({ description: 'tollfree-reserve jobs (required): the reservation contact' }),
        contactPhone: E164.optional().meta({ description: 'tollfree-reserve jobs (required)' }),
        notes: z.string().trim().min(1).max(240).optional().meta({ description: 'tollfree-reserve jobs' }),
        quantity: z.number().int().min(1).max(10_000),
      })
      .strict()
      .optional()
      .meta({
        description:
          'Let the job find the numbers. Purchase jobs: {areaCode:"415", quantity:500}; tollfree-reserve jobs: {npa:"833", quantity:200, contactName, contactPhone}',
      }),
    callbackUrl: z
      .string()
      .max(2048)
      .url()
      .optional()
      .meta({
        description:
          'https URL of a public host that receives a signed job.finished notification (X-Signature, see POST /v1/signing-secret); private, loopback, link-local, metadata and internal hosts are refused',
      }),
  })
  .strict()
  .refine((b) => (b.items === undefined) !== (b.search === undefined), { message: 'give either items or search', path: ['items'] });
const Counts = z.object({ queued: z.number(), running: z.number(), succeeded: z.number(), failed: z.number(), cancelled: z.number() });
export const JobResource = z.object({
  id: z.string(),
  type: z.string(),
  provider: z.string(),
  accountId: z.string().optional().meta({ description: 'Purchase jobs: the account every item buys through, fixed when the job was created' }),
  status: z.enum(['queued', 'running', 'completed', 'completed_with_errors', 'cancelled', 'failed']),
  itemCount: z.number().int(),
  search: z.record(z.string(), z.unknown()).optional(),
  callbackUrl: z.string().optional(),
  cancelRequested: z.boolean().optional(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  failureReason: z.string().optional(),
  counts: Counts,
  total: z.number().int(),
  percent: z.number().int(),
  throughputPerSecond: z.number().optional(),
});
export const CreateJobResponse = JobResource.extend({
  invalidItems: z.array(z.object({ index: z.number().int(), issues: z.array(z.object({ path: z.string(), message: z.string() })) })),
  invalidCount: z.number().int(),
});
export const JobsPage = page(JobResource);
export const JobId = z.object({ id: z.string().regex(/^job_[a-f0-9]{20}$/, 'is not a job id (job_…)') }).strict();
export const JobItemsQuery = z.object({ state: ItemStateEnum.optional(), limit: Limit(500, 100), cursor: z.string().regex(/^\d{1,6}$/).optional() }).strict();
export const JobItemResource = z.object({
  id: z.string(),
  index: z.number().int(),
  state: ItemStateEnum,
  input: z.record(z.string(), z.unknown()),
  attempts: z.number().int(),
  result: z.record(z.string(), z.unknown()).optional(),
  error: z
    .object({ code: z.string(), message: z.string(), provider: z.string().optional(), providerCode: z.string().optional(), retryable: z.boolean().optional() })
    .optional(),
  updatedAt: z.string(),
  finishedAt: z.string().optional(),
});
export const JobItemsPage = z.object({ data: z.array(JobItemResource), nextCursor: z.string().optional() });
export const JobItemTask = z
  .object({ tenantId: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/), jobId: JobId.shape.id, itemId: z.string().regex(/^it_\d{5}$/) })
  .strict();
export const JobItemResult = z.object({ outcome: z.enum(['succeeded', 'failed', 'cancelled', 'already_final', 'busy', 'waiting']) });
export const JobCallbackTask = z.object({ tenantId: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/), jobId: JobId.shape.id }).strict();
export const JobCallbackResult = z.object({ status: z.number().int() });
export const JobFinalizeResult = z.object({ checked: z.literal(true) });
export const JobSweepBody = z
  .object({
    tasksLost: z
      .boolean()
      .optional()
      .meta({ description: 'The task queue is known to hold nothing (the dev stack just started): sweep every open item and job whatever its age; a leased item gets its task for when the lease ends' }),
  })
  .strict();
export const JobSweepResult = z.object({
  requeued: z.number().int().meta({ description: 'Items given a new task' }),
  alreadyQueued: z.number().int().meta({ description: 'Items whose sweep task was still in the queue' }),
  cancelled: z.number().int().meta({ description: 'Waiting items of jobs being cancelled, cancelled' }),
  leftToLiveJobs: z.number().int().meta({ description: 'Old queued items left alone because their job is moving' }),
  jobsChecked: z.number().int().meta({ description: 'Open jobs given a completion check' }),
  searchesRepublished: z.number().int().meta({ description: 'Search jobs whose search message was published again' }),
});
export const SigningSecretResponse = z.object({
  secret: z.string(),
  header: z.literal('X-Signature'),
  scheme: z.string(),
});

// ---------- vapi credentials ----------
export const VapiCredentialResource = z.object({
  id: z.string(),
  vapiCredentialId: z.string(),
  provider: z.string(),
  label: z.string().optional(),
  verifiedAt: z.string().optional().meta({ description: 'When the source provider (Vonage, Telnyx) accepted these credentials; absent for SIP trunks, which nothing can verify' }),
  numbers: z
    .array(z.object({ id: z.string(), phoneNumber: z.string(), status: z.string() }))
    .optional()
    .meta({ description: 'The tenant’s numbers that use this credential now (listings; a credential in use cannot be deleted)' }),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const CreateVapiCredentialBody = z
  .discriminatedUnion('provider', [
    z.object({ provider: z.literal('vonage'), label: VapiCredentialLabel.optional(), ...VonageCredentialFields.shape }).strict(),
    z.object({ provider: z.literal('telnyx'), label: VapiCredentialLabel.optional(), ...TelnyxCredentialFields.shape }).strict(),
    z.object({ provider: z.literal('byo-sip-trunk'), label: VapiCredentialLabel.optional(), ...SipTrunkCredentialFields.shape }).strict(),
  ])
  .meta({
    description:
      'The same fields an import’s source takes. Vonage and Telnyx credentials are verified with that provider first (400 naming the field when refused); then the credential is created at Vapi. Import numbers with it through source.credentialId.',
  });
export const VapiCredentialsPage = page(VapiCredentialResource);
export const VapiCredentialId = z.object({ id: ResourceId('vcr', 'Vapi credential') }).strict();
