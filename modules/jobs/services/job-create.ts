/** Bulk jobs: creation — item schemas, the search spec, validation, spend guards and the job document (then job-fanout). */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { CompanyIdValue, DisplayName, E164, HttpsUrl, Name, UpdateNumberBody } from '../../../shared/api/schemas.js';
import { CarriersSchema } from '../../../shared/domain/carriers.js';
import { MAX_RESERVATION_DAYS } from '../../../shared/domain/tollfree-lifecycle.js';
import { jobIdFor, type JobRecord, type JobType } from '../../../shared/domain/job.js';
import { AppError } from '../../../shared/http/errors.js';
import { assertOutboundUrl } from '../../../shared/http/outbound-url.js';
import { inputIssues } from '../../../shared/http/input-checks.js';
import { assertRoomFor, defaultLimits } from '../../../shared/domain/limits.js';
import type { NumberProviderName } from '../../../shared/providers/registry.js';
import { jobsRepository } from '../repository/jobs.js';
import type { JobDeps, PurchaseSearch, TollFreeSearch } from './job-model.js';
import { publishItems } from './job-fanout.js';

const TollFree = z
  .string()
  .trim()
  .transform((v) => v.replace(/^\+?1/, '').replace(/\D/g, ''))
  .refine((v) => /^8(00|33|44|55|66|77|88)\d{7}$/.test(v), 'must be a toll-free number (8XX), 10 digits or +1…');
const Contact = { contactName: Name(64), contactPhone: E164 };

const itemSchemas = {
  purchase: z
    .object({
      phoneNumber: E164,
      displayName: DisplayName.optional(),
      tags: z.array(z.string().regex(/^[\w:.-]{1,40}$/)).max(20).optional(),
      externalRef: z.string().trim().min(1).max(128).optional(),
      // As on POST /v1/numbers: the client company the number is for (Telnyx: its requirement group).
      companyId: CompanyIdValue.optional(),
      // As on POST /v1/numbers: each through the outbound URL policy; a URL the provider has no
      // per-number place for fails its item by name (400).
      webhookUrl: HttpsUrl.optional(),
      voiceUrl: HttpsUrl.optional(),
      smsUrl: HttpsUrl.optional(),
      statusCallbackUrl: HttpsUrl.optional(),
    })
    .strict(),
  release: z.object({ numberId: z.string().regex(/^num_[a-f0-9]{20}$/), reason: z.string().trim().min(1).max(500).optional() }).strict(),
  update: z.object({ numberId: z.string().regex(/^num_[a-f0-9]{20}$/), changes: UpdateNumberBody }).strict(),
  // Toll-free (Somos): one registry operation per item; activate/routing items' routing is validated at creation (routingItemIssues).
  // As on the single endpoints: reservationDays 1-45, and the customer record's carriers (else the number's, the tenant's, the platform's).
  'tollfree-reserve': z
    .object({ number: TollFree, ...Contact, notes: z.string().trim().min(1).max(240).optional(), reservationDays: z.number().int().min(1).max(MAX_RESERVATION_DAYS).optional() })
    .strict(),
  'tollfree-activate': z.object({ number: TollFree, routing: z.record(z.string(), z.unknown()), carriers: CarriersSchema.optional() }).strict(),
  'tollfree-routing': z
    .object({ number: TollFree, routing: z.record(z.string(), z.unknown()), effectiveAt: z.string().datetime().optional(), carriers: CarriersSchema.optional() })
    .strict(),
  'tollfree-sms': z.object({ number: TollFree, sms: z.boolean(), mms: z.boolean(), webhookUrl: HttpsUrl.optional() }).strict(),
} as const;
type SupportedType = keyof typeof itemSchemas;
const supported = (type: JobType): type is SupportedType => type in itemSchemas;

export interface CreateJobInput {
  type: JobType;
  provider: NumberProviderName | 'somos';
  accountId?: string;
  items?: unknown[];
  /** Fields of both kinds as the API accepts them; jobSearch keeps those of the job's type. */
  search?: Partial<PurchaseSearch & TollFreeSearch> & { quantity: number };
  callbackUrl?: string;
}

const PURCHASE_SEARCH_FIELDS = ['country', 'type', 'areaCode', 'contains'] as const;
const TOLLFREE_SEARCH_FIELDS = ['npa', 'nxx', 'contactName', 'contactPhone', 'notes'] as const;

/** The search spec of a job of this type, with its defaults; a field of the other kind is named in the 400. */
function jobSearch(type: JobType, search: NonNullable<CreateJobInput['search']>): PurchaseSearch | TollFreeSearch {
  const refuse = (fields: readonly string[], why: string) => {
    const issues = fields.filter((f) => (search as Record<string, unknown>)[f] !== undefined).map((f) => ({ path: `body.search.${f}`, message: why }));
    if (issues.length) throw new AppError('VALIDATION_ERROR', `Invalid ${issues[0]!.path}: ${issues[0]!.message}`, { issues });
  };
  if (type === 'purchase') {
    refuse(TOLLFREE_SEARCH_FIELDS, 'only for tollfree-reserve jobs');
    const { country, type: numberType, areaCode, contains, quantity } = search;
    return { country: country ?? 'US', type: numberType ?? 'local', ...(areaCode ? { areaCode } : {}), ...(contains ? { contains } : {}), quantity };
  }
  if (type === 'tollfree-reserve') {
    refuse(PURCHASE_SEARCH_FIELDS, 'not for toll-free numbers (use npa and nxx)');
    const missing = (['contactName', 'contactPhone'] as const).filter((f) => !search[f]).map((f) => ({ path: `body.search.${f}`, message: 'required: every reservation names its contact' }));
    if (missing.length) throw new AppError('VALIDATION_ERROR', `Invalid ${missing[0]!.path}: ${missing[0]!.message}`, { issues: missing });
    const { npa, nxx, contactName, contactPhone, notes, quantity } = search;
    return { ...(npa ? { npa } : {}), ...(nxx ? { nxx } : {}), contactName: contactName!, contactPhone: contactPhone!, ...(notes ? { notes } : {}), quantity };
  }
  throw new AppError('VALIDATION_ERROR', 'A search spec only makes sense for purchase and tollfree-reserve jobs', {
    issues: [{ path: 'body.search', message: 'purchase and tollfree-reserve only' }],
  });
}

export function createJob(deps: JobDeps) {
  return async (
    tenantId: string,
    uid: string,
    input: CreateJobInput,
    idempotencyKey: string | undefined,
  ): Promise<{ job: JobRecord; invalidItems: { index: number; issues: { path: string; message: string }[] }[]; created: boolean }> => {
    if (!supported(input.type)) {
      throw new AppError('VALIDATION_ERROR', `${String(input.type)} jobs are not supported`, {
        issues: [{ path: 'body.type', message: `supported: ${Object.keys(itemSchemas).join(', ')}` }],
      });
    }
    const tollFree = input.type.startsWith('tollfree-');
    if (tollFree !== (input.provider === 'somos')) {
      throw new AppError('VALIDATION_ERROR', tollFree ? 'Toll-free jobs run against provider "somos"' : 'Provider "somos" only runs tollfree-* jobs', {
        issues: [{ path: 'body.provider', message: tollFree ? 'must be somos' : 'not for this job type' }],
      });
    }
    if (input.callbackUrl) assertOutboundUrl(deps.config, input.callbackUrl, 'callbackUrl');
    const search = input.search ? jobSearch(input.type, input.search) : undefined;
    const valid: { index: number; input: Record<string, unknown> }[] = [];
    const invalidItems: { index: number; issues: { path: string; message: string }[] }[] = [];
    (input.items ?? []).forEach((raw, index) => {
      const parsed = itemSchemas[input.type].safeParse(raw);
      // An item that could not be stored (too deep for Firestore, ill-formed text) is invalid now,
      // never counted and then missing. The API edge refuses such bodies already; this holds for any caller.
      const unstorable = parsed.success ? inputIssues(parsed.data, `items[${index}]`) : [];
      if (parsed.success && !unstorable.length) valid.push({ index, input: parsed.data });
      else if (parsed.success) invalidItems.push({ index, issues: unstorable });
      else invalidItems.push({ index, issues: parsed.error.issues.map((i) => ({ path: [`items[${index}]`, ...i.path.map(String)].join('.'), message: i.message })) });
    });
    if (input.type === 'tollfree-activate' || input.type === 'tollfree-routing') {
      // Routing is validated now, as the single endpoints validate it: reported with the other invalid items.
      const routingIssues = await (await import('./tollfree-items.js')).routingItemIssues(deps, tenantId, valid);
      const rejected = new Set(routingIssues.map((r) => r.index));
      valid.splice(0, valid.length, ...valid.filter((v) => !rejected.has(v.index)));
      invalidItems.push(...routingIssues);
      invalidItems.sort((a, b) => a.index - b.index);
    }
    if (input.items && valid.length === 0) {
      throw new AppError('VALIDATION_ERROR', 'Every item is invalid; nothing was queued', { invalidItems: invalidItems.slice(0, 100), invalidCount: invalidItems.length });
    }
    if (input.type === 'purchase' || tollFree) {
      // Two items for one number would race each other at the provider (a second purchase; a second
      // reservation or customer record that fails as "taken" by its own twin).
      const field = tollFree ? 'number' : 'phoneNumber';
      const duplicates = new Set<string>();
      const seen = new Set<string>();
      for (const item of valid) {
        const key = item.input[field] as string;
        if (seen.has(key)) duplicates.add(key);
        seen.add(key);
      }
      if (duplicates.size) {
        const what = input.type === 'purchase' ? 'buy each number' : 'change each toll-free number';
        throw new AppError('VALIDATION_ERROR', `A job may ${what} once; repeated: ${[...duplicates].slice(0, 5).join(', ')}`, {
          issues: [{ path: 'body.items', message: `duplicate ${tollFree ? 'toll-free numbers' : 'phone numbers'}` }],
        });
      }
    }

    deps.publisher.warm?.(); // credentials for Pub/Sub are fetched while the job's transaction waits on Firestore
    const jobs = jobsRepository(deps.db);
    const now = deps.now().toISOString();
    const id = jobIdFor(tenantId, idempotencyKey, randomBytes(10).toString('hex'));
    const job: JobRecord = {
      id,
      tenantId,
      type: input.type,
      provider: input.provider,
      ...(input.accountId ? { accountId: input.accountId } : {}),
      status: 'queued',
      itemCount: valid.length,
      ...(search ? { search: search as unknown as Record<string, unknown> } : {}),
      ...(input.callbackUrl ? { callbackUrl: input.callbackUrl } : {}),
      createdBy: uid,
      createdAt: now,
      updatedAt: now,
    };
    const size = input.search?.quantity ?? valid.length;
    // The job document first (a repeated Idempotency-Key finds it), with the spend guards checked
    // and the whole job's purchases reserved in the same transaction; then its items.
    // A purchase job buys through one account from its first item to its last, whatever happens to
    // the tenant's default meanwhile; a named account that does not exist is refused now, not once
    // per item. Looked up alongside the transaction's first read, and used only if this is no replay
    // (a replay answers with its job even if the account has gone since).
    const account =
      input.type === 'purchase' && !tollFree ? deps.providers.resolveAccountId(tenantId, input.provider as NumberProviderName, input.accountId) : undefined;
    account?.catch(() => undefined); // awaited below, or moot for a replay: never an unhandled rejection
    const existing = await jobs.transaction(async (tx) => {
      const read = await tx.creationReads(tenantId, id, defaultLimits(deps.config), input.type === 'purchase');
      if (read.job) return read.job;
      if (account) job.accountId = await account;
      const limits = read.limits();
      if (size > limits.bulkJobItems) {
        throw new AppError('PAYMENT_REQUIRED', `Bulk jobs are limited to ${limits.bulkJobItems} items for this tenant`, {
          limit: 'bulkJobItems',
          max: limits.bulkJobItems,
          requested: size,
        });
      }
      const usage = read.usage();
      if (usage) {
        assertRoomFor(limits, usage, size, deps.now());
        tx.changeUsage(tenantId, usage, { held: size, purchased: size }, deps.now());
        job.reserved = size;
      }
      tx.createJob(job);
      return undefined;
    });
    if (existing) {
      // A replay of a creation that died half-way (its items or chunks not all out): finish it, or
      // the items never written would be lost and the job would never end. Only with the same items.
      const sameRequest = existing.type === input.type && existing.provider === input.provider && (input.search ? !!existing.search : existing.itemCount === valid.length);
      if (!existing.finishedAt && !existing.chunksPublishedAt && sameRequest) await publishItems(deps, jobs, existing, valid, now, true);
      return { job: existing, invalidItems, created: false };
    }
    await publishItems(deps, jobs, job, valid, now, false);
    return { job, invalidItems, created: true };
  };
}
