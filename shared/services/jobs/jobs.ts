import type { BulkWriter, Firestore, QueryDocumentSnapshot } from '@google-cloud/firestore';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { taskEndpoints, taskTarget } from '../../api/task-targets.js';
import { E164, HttpsUrl, UpdateNumberBody } from '../../api/schemas.js';
import { jobItemContext, type AuditContext } from '../../domain/audit.js';
import {
  finalItemStates,
  itemIdFor,
  itemSettlement,
  itemStates,
  jobDocPath,
  jobIdFor,
  orderedNumberOutcome,
  statusFromCounts,
  type ItemSettlement,
  type ItemState,
  type ItemWait,
  type JobItemRecord,
  type JobRecord,
  type JobType,
} from '../../domain/job.js';
import type { Deps } from '../../deps.js';
import { AppError, conflict, notFound } from '../../http/errors.js';
import type { Logger } from '../../log.js';
import { LOG_EVENTS } from '../../log-events.js';
import { isProviderError } from '../../http/provider-errors.js';
import { assertOutboundUrl } from '../../http/outbound-url.js';
import { inputIssues } from '../../http/input-checks.js';
import { assertRoomFor, changeUsage, defaultLimits, readLimits, readUsage } from '../../domain/limits.js';
import type { NumberProviderName } from '../../providers/registry.js';
import { purchaseNumber, settlePendingPurchase } from '../numbers/purchase.js';
import { releaseNumber, updateNumber } from '../numbers/manage.js';
import { searchAvailable } from '../numbers/search.js';
import { providerQueue } from '../../queue/queues.js';
import { scheduleFinalizeCheck } from './finalize-check.js';

/**
 * Bulk jobs. The API writes the job and its items, then publishes chunks to Pub/Sub; a worker
 * turns chunks into one Cloud Task per item on the provider's queue (rate-limited like the
 * provider); each item task performs exactly one operation through the same service code as the
 * single-item endpoints. Progress comes from aggregation counts over item states, so no document
 * is written more than a handful of times per job.
 */
export const JOB_TOPIC = 'jobs-chunks';
export const JOB_DEAD_LETTER_TOPIC = 'jobs-chunks-dead-letter';
export const CHUNK_SIZE = 100;
export const MAX_ITEMS = 10_000;
/** Transient failures retry through the queue; after this many deliveries an item fails for good. */
export const MAX_ITEM_ATTEMPTS = 8;
const ITEM_LEASE_MS = 2 * 60 * 1000;
/** Longer than the API function may run: a job whose items are not all out by then lost its creation. */
const JOB_CREATION_GRACE_MS = 10 * 60 * 1000;

const TollFree = z
  .string()
  .trim()
  .transform((v) => v.replace(/^\+?1/, '').replace(/\D/g, ''))
  .refine((v) => /^8(00|33|44|55|66|77|88)\d{7}$/.test(v), 'must be a toll-free number (8XX), 10 digits or +1…');
const Contact = { contactName: z.string().trim().min(1).max(64), contactPhone: E164 };

const itemSchemas = {
  purchase: z
    .object({
      phoneNumber: E164,
      displayName: z.string().trim().min(1).max(64).optional(),
      tags: z.array(z.string().regex(/^[\w:.-]{1,40}$/)).max(20).optional(),
      externalRef: z.string().trim().min(1).max(128).optional(),
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
  'tollfree-reserve': z.object({ number: TollFree, ...Contact, notes: z.string().trim().min(1).max(240).optional() }).strict(),
  'tollfree-activate': z.object({ number: TollFree, routing: z.record(z.string(), z.unknown()) }).strict(),
  'tollfree-routing': z
    .object({ number: TollFree, routing: z.record(z.string(), z.unknown()), effectiveAt: z.string().datetime().optional() })
    .strict(),
  'tollfree-sms': z.object({ number: TollFree, sms: z.boolean(), mms: z.boolean(), webhookUrl: HttpsUrl.optional() }).strict(),
} as const;
type SupportedType = keyof typeof itemSchemas;
const supported = (type: JobType): type is SupportedType => type in itemSchemas;

export interface ChunkMessage {
  tenantId: string;
  jobId: string;
  /** Items whose index is in [from, to). */
  from?: number;
  to?: number;
  /** The indexes in [from, to) that hold an item (invalid ones were never stored); absent in older messages. */
  indexes?: number[];
  /** The job was created from a search: find the numbers, then create the items. */
  expand?: boolean;
  publishedAt: string;
}

const jobPath = jobDocPath;
const itemsPath = (tenantId: string, jobId: string) => `${jobPath(tenantId, jobId)}/items`;

export type JobDeps = Pick<Deps, 'db' | 'now' | 'publisher' | 'tasks' | 'config' | 'log' | 'numbers' | 'providers' | 'secrets' | 'somos'>;

export interface CreateJobInput {
  type: JobType;
  provider: NumberProviderName | 'somos';
  accountId?: string;
  items?: unknown[];
  /** Fields of both kinds as the API accepts them; jobSearch keeps those of the job's type. */
  search?: Partial<PurchaseSearch & TollFreeSearch> & { quantity: number };
  callbackUrl?: string;
}

/** A purchase job's search: the provider's number search, narrowed until `quantity` distinct numbers are found. */
export interface PurchaseSearch {
  country: string;
  type: 'local' | 'toll_free' | 'mobile' | 'national';
  areaCode?: string;
  contains?: string;
  quantity: number;
}

/** A tollfree-reserve job's search: random registry searches (npa, nxx), each number then reserved by its item. */
export interface TollFreeSearch {
  npa?: string;
  nxx?: string;
  contactName: string;
  contactPhone: string;
  notes?: string;
  quantity: number;
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
  ): Promise<{ job: JobRecord; invalidItems: { index: number; issues: { path: string; message: string }[] }[] }> => {
    if (!supported(input.type)) {
      throw new AppError('VALIDATION_ERROR', `${input.type} jobs are not supported`, {
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
      const parsed = itemSchemas[input.type as SupportedType].safeParse(raw);
      // An item that could not be stored (too deep for Firestore, ill-formed text) is invalid now,
      // never counted and then missing. The API edge refuses such bodies already; this holds for any caller.
      const unstorable = parsed.success ? inputIssues(parsed.data, `items[${index}]`) : [];
      if (parsed.success && !unstorable.length) valid.push({ index, input: parsed.data as Record<string, unknown> });
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
    const db = await deps.db();
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
    const existing = await db.runTransaction(async (tx) => {
      const found = (await tx.get(db.doc(jobPath(tenantId, id)))).data() as JobRecord | undefined;
      if (found) return found;
      if (account) job.accountId = await account;
      const limits = await readLimits(tx, db, tenantId, defaultLimits(deps.config));
      if (size > limits.bulkJobItems) {
        throw new AppError('PAYMENT_REQUIRED', `Bulk jobs are limited to ${limits.bulkJobItems} items for this tenant`, {
          limit: 'bulkJobItems',
          max: limits.bulkJobItems,
          requested: size,
        });
      }
      if (input.type === 'purchase') {
        const usage = await readUsage(tx, db, tenantId);
        assertRoomFor(limits, usage, size, deps.now());
        changeUsage(tx, db, tenantId, usage, { held: size, purchased: size }, deps.now());
        job.reserved = size;
      }
      tx.create(db.doc(jobPath(tenantId, id)), job);
      return undefined;
    });
    if (existing) {
      // A replay of a creation that died half-way (its items or chunks not all out): finish it, or
      // the items never written would be lost and the job would never end. Only with the same items.
      const sameRequest = existing.type === input.type && existing.provider === input.provider && (input.search ? !!existing.search : existing.itemCount === valid.length);
      if (!existing.finishedAt && !existing.chunksPublishedAt && sameRequest) await publishItems(deps, db, existing, valid, now, true);
      return { job: existing, invalidItems };
    }
    await publishItems(deps, db, job, valid, now, false);
    return { job, invalidItems };
  };
}

/**
 * Writes the job's items and publishes their chunks, then marks the job as fully out. A search job's
 * message is only published: the worker writes its items and marks it once it has found them.
 */
async function publishItems(deps: JobDeps, db: Firestore, job: JobRecord, valid: { index: number; input: Record<string, unknown> }[], now: string, resuming: boolean) {
  if (job.search) {
    await publishChunks(deps, job, 0, true);
    return;
  }
  // Each chunk goes out as soon as its items are stored (a 10,000-item job starts at the provider
  // after its first write, not after its last), and while the next chunk is being written.
  const published: Promise<string>[] = [];
  for (let from = 0; from < valid.length; from += CHUNK_SIZE) {
    const chunk = valid.slice(from, from + CHUNK_SIZE);
    // Resuming, some items may exist and have run already: only the missing ones are created.
    await (resuming ? writeMissingItems : writeItems)(db, job.tenantId, job.id, chunk, now);
    const publishing = publishChunk(deps, job, chunk[0]!.index, chunk.at(-1)!.index + 1, chunk.map((item) => item.index));
    publishing.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
    published.push(publishing);
  }
  await Promise.all(published);
  await db.doc(jobPath(job.tenantId, job.id)).update({ chunksPublishedAt: deps.now().toISOString() });
  // A check that ran while the items were still being written (after a cancel) waited for this.
  await scheduleFinalizeCheck(deps, job.tenantId, job.id);
}

async function writeItems(db: Firestore, tenantId: string, jobId: string, items: { index: number; input: Record<string, unknown> }[], now: string) {
  for (let i = 0; i < items.length; i += 400) {
    const batch = db.batch();
    for (const { index, input } of items.slice(i, i + 400)) {
      const item: JobItemRecord = { id: itemIdFor(index), jobId, tenantId, index, state: 'queued', input, attempts: 0, updatedAt: now };
      batch.set(db.doc(`${itemsPath(tenantId, jobId)}/${item.id}`), item);
    }
    await batch.commit();
  }
}

/** Creates the items that do not exist yet and leaves the others as they are (some may have run already). */
const writeMissingItems = (db: Firestore, tenantId: string, jobId: string, items: { index: number; input: Record<string, unknown> }[], now: string) =>
  writeEachItem(db, ALREADY_EXISTS, (writer) =>
    items.map(({ index, input }) => {
      const item: JobItemRecord = { id: itemIdFor(index), jobId, tenantId, index, state: 'queued', input, attempts: 0, updatedAt: now };
      return writer.create(db.doc(`${itemsPath(tenantId, jobId)}/${item.id}`), item);
    }),
  );

/** One message per range of item indexes (invalid items left gaps; a range may hold fewer items). */
async function publishChunks(deps: Pick<JobDeps, 'publisher' | 'now'>, job: JobRecord, indexEnd: number, expand: boolean) {
  if (expand) {
    await deps.publisher.publish(JOB_TOPIC, { tenantId: job.tenantId, jobId: job.id, expand: true, publishedAt: deps.now().toISOString() } satisfies ChunkMessage);
    return;
  }
  for (let from = 0; from < indexEnd; from += CHUNK_SIZE) {
    const to = Math.min(indexEnd, from + CHUNK_SIZE);
    await publishChunk(deps, job, from, to, Array.from({ length: to - from }, (_, i) => from + i));
  }
}

const publishChunk = (deps: Pick<JobDeps, 'publisher' | 'now'>, job: JobRecord, from: number, to: number, indexes: number[]) =>
  deps.publisher.publish(JOB_TOPIC, { tenantId: job.tenantId, jobId: job.id, from, to, indexes, publishedAt: deps.now().toISOString() } satisfies ChunkMessage);

const chunkItems = (db: Firestore, message: ChunkMessage) =>
  db
    .collection(itemsPath(message.tenantId, message.jobId))
    .where('index', '>=', message.from ?? 0)
    .where('index', '<', message.to ?? 0)
    .get();

/** The Pub/Sub worker: a chunk of item ids → one Cloud Task each on the provider's queue (task ids dedupe redelivery). */
export function expandChunk(deps: JobDeps) {
  return async (message: ChunkMessage, log: Logger): Promise<{ enqueued: number }> => {
    const db = await deps.db();
    const jobSnap = await db.doc(jobPath(message.tenantId, message.jobId)).get();
    const job = jobSnap.data() as JobRecord | undefined;
    if (!job) {
      log.warn('chunk for a job that does not exist; dropped', { jobId: message.jobId });
      return { enqueued: 0 };
    }
    if (message.expand) {
      if (job.finishedAt) return { enqueued: 0 }; // e.g. its search was dead-lettered and the job failed
      // The numbers are found once and kept: a redelivered message (or one retried after a crash
      // half-way through the writes) reuses them. Searching again would find other numbers, since
      // the first ones are being bought, and rewrite items that may already have succeeded.
      const expansionRef = db.doc(`${jobPath(job.tenantId, job.id)}/expansion/numbers`);
      let numbers = (await expansionRef.get()).get('numbers') as string[] | undefined;
      if (!numbers) {
        const found = job.type === 'tollfree-reserve' ? await expandTollFreeSearch(deps, job, log) : await expandSearch(deps, job, log);
        numbers = await db.runTransaction(async (tx) => {
          const kept = (await tx.get(expansionRef)).get('numbers') as string[] | undefined;
          if (kept) return kept;
          // The searches take a while: the job may have failed meanwhile (its message dead-lettered
          // by an earlier delivery, its reservation returned). Then these numbers must not be bought.
          if ((await tx.get(db.doc(jobPath(job.tenantId, job.id)))).get('finishedAt')) return undefined;
          const now = deps.now().toISOString();
          tx.create(expansionRef, { numbers: found, createdAt: now });
          tx.update(db.doc(jobPath(job.tenantId, job.id)), { itemCount: found.length, updatedAt: now });
          return found;
        });
        if (!numbers) {
          log.warn('search finished after its job had; nothing expanded', { jobId: job.id });
          return { enqueued: 0 };
        }
      }
      const items = numbers.map((found, index) => ({ index, input: expandedItem(job, found) }));
      await writeMissingItems(db, job.tenantId, job.id, items, deps.now().toISOString());
      await publishChunks(deps, job, items.length, false);
      await db.doc(jobPath(job.tenantId, job.id)).update({ chunksPublishedAt: deps.now().toISOString() });
      await finalizeIfDone(deps, job.tenantId, job.id, log);
      return { enqueued: 0 };
    }
    if (job.cancelRequested) {
      // Items written after the cancel swept (a search still expanding) end here, not at the provider.
      const snap = await chunkItems(db, message);
      const now = deps.now().toISOString();
      // Only items no task claimed since they were read (as cancel itself does).
      await moveUnchangedItems(db, snap.docs.filter((doc) => (doc.data() as JobItemRecord).state === 'queued'), { state: 'cancelled', updatedAt: now, finishedAt: now });
      await finalizeIfDone(deps, job.tenantId, job.id, log);
      return { enqueued: 0 };
    }
    // The job starts when its first chunk reaches the queue: once per chunk at most, never per item.
    // Only if nothing changed the job since it was read: a late chunk must never turn a job that
    // finished meanwhile (e.g. its items were dead-lettered) back into "running". Something else may
    // have changed it (the API marking its chunks out, a cancel): then read it again.
    let current: { snap: typeof jobSnap; job: JobRecord } = { snap: jobSnap, job };
    for (let tries = 0; tries < 3 && !current.job.startedAt && !current.job.finishedAt; tries++) {
      const now = deps.now().toISOString();
      const started = await current.snap.ref
        .update({ startedAt: now, status: 'running', updatedAt: now }, { lastUpdateTime: current.snap.updateTime! })
        .then(() => true)
        .catch((err: unknown) => {
          if ((err as { code?: number }).code !== FAILED_PRECONDITION) throw err; // the job changed since it was read
          return false;
        });
      if (started) break;
      const snap = await current.snap.ref.get();
      current = { snap, job: snap.data() as JobRecord };
    }
    // Item ids follow from their indexes, so a chunk that lists them needs no read of its items: a
    // task for an item that is already final (a redelivered chunk) does nothing when it runs, and
    // Cloud Tasks drops a task name it has seen anyway. Older messages are read as before.
    const itemIds =
      message.indexes && message.indexes.every((i) => Number.isInteger(i) && i >= (message.from ?? 0) && i < (message.to ?? 0))
        ? message.indexes.map(itemIdFor)
        : (await chunkItems(db, message)).docs.filter((doc) => !finalItemStates.includes((doc.data() as JobItemRecord).state)).map((doc) => doc.id);
    const target = taskTarget(deps.config, taskEndpoints.jobItem);
    for (const itemId of itemIds) {
      await deps.tasks.enqueue({
        queue: providerQueue(job.provider),
        ...target,
        body: { tenantId: job.tenantId, jobId: job.id, itemId },
        id: `job-${job.tenantId}-${job.id}-${itemId}`,
      });
    }
    return { enqueued: itemIds.length };
  };
}


/** The item for a number a job's search found. */
function expandedItem(job: JobRecord, found: string): Record<string, unknown> {
  if (job.type !== 'tollfree-reserve') return { phoneNumber: found };
  const { contactName, contactPhone, notes } = job.search as unknown as TollFreeSearch;
  return { number: found, contactName, contactPhone, ...(notes ? { notes } : {}) };
}

/**
 * A toll-free search spec becomes concrete numbers: random registry searches (at most 10 numbers
 * each, the registry's limit) until `quantity` distinct spare numbers are found, or the registry
 * stops offering new ones. The registry holds what it offered for a while against other RespOrgs;
 * each item then reserves its own number.
 */
async function expandTollFreeSearch(deps: JobDeps, job: JobRecord, log: Logger): Promise<string[]> {
  const spec = job.search as unknown as TollFreeSearch;
  const { callContext, tenantSomos } = await import('../tollfree/platform.js');
  const { MAX_QUANTITY } = await import('../tollfree/search-spec.js');
  const settings = await tenantSomos(deps, job.tenantId);
  const { registry } = await deps.somos();
  const jobRef = (await deps.db()).doc(jobPath(job.tenantId, job.id));
  const found = new Set<string>();
  let failures = 0;
  let fruitless = 0;
  const maxSearches = Math.ceil(spec.quantity / MAX_QUANTITY) * 2 + 10;
  for (let i = 0; i < maxSearches && found.size < spec.quantity && fruitless < 3; i++) {
    if (i % 10 === 9 && (await jobRef.get()).get('finishedAt')) break;
    const qty = Math.min(MAX_QUANTITY, spec.quantity - found.size);
    try {
      const result = await registry.search(callContext(settings), { kind: 'random', qty, ...(spec.npa ? { npa: spec.npa } : {}), ...(spec.nxx ? { nxx: spec.nxx } : {}) });
      if (result.pending) {
        failures++; // a search answered later is not waited for here: the next one is asked
        continue;
      }
      const before = found.size;
      for (const num of result.data) if (found.size < spec.quantity) found.add(num);
      fruitless = found.size === before ? fruitless + 1 : 0;
    } catch (err) {
      failures++;
      log.warn('toll-free search during job expansion failed', { err });
    }
  }
  if (found.size === 0 && failures > 0) {
    throw new AppError('SERVICE_UNAVAILABLE', 'The registry searches for this job failed; retrying', { retryable: true });
  }
  return [...found];
}

/** A search spec becomes concrete numbers: distinct results of successive narrower searches. */
async function expandSearch(deps: JobDeps, job: JobRecord, log: Logger): Promise<string[]> {
  const spec = job.search as unknown as PurchaseSearch;
  const found = new Set<string>();
  let failures = 0;
  const suffixes = ['', ...'0123456789'.split(''), ...[...Array(100).keys()].map((n) => String(n).padStart(2, '0'))];
  const jobRef = (await deps.db()).doc(jobPath(job.tenantId, job.id));
  for (const [i, extra] of suffixes.entries()) {
    if (found.size >= spec.quantity) break;
    // A long expansion (up to 111 searches) stops once its job has ended meanwhile.
    if (i % 10 === 9 && (await jobRef.get()).get('finishedAt')) break;
    const contains = `${spec.contains ?? ''}${extra}`;
    const result = await searchAvailable(deps)(job.tenantId, {
      provider: job.provider as NumberProviderName,
      country: spec.country,
      type: spec.type,
      limit: 100,
      ...(spec.areaCode ? { areaCode: spec.areaCode } : {}),
      ...(contains.length >= 2 ? { contains } : {}),
      ...(job.accountId ? { accountId: job.accountId } : {}),
    } as Parameters<ReturnType<typeof searchAvailable>>[1]).catch((err) => {
      failures++;
      log.warn('search during job expansion failed', { err });
      return { data: [] };
    });
    for (const n of result.data) if (found.size < spec.quantity) found.add(n.phoneNumber);
  }
  // Nothing found because the searches failed is not "no numbers": let Pub/Sub redeliver (and, in
  // the end, dead-letter the message, which fails the job with a reason).
  if (found.size === 0 && failures > 0) {
    throw new AppError('SERVICE_UNAVAILABLE', `The ${job.provider} searches for this job failed; retrying`, { retryable: true });
  }
  return [...found];
}

export type ItemOutcome = 'succeeded' | 'failed' | 'cancelled' | 'already_final' | 'busy' | 'waiting';

/**
 * What an item needs from its job and that never changes after creation. Cached per instance so
 * that an item's first delivery does not read the job document: a 10,000-item job would otherwise
 * read it 10,000 times. The one mutable field that matters, cancelRequested, is covered without
 * it: cancel marks every queued item cancelled itself, chunks of a cancelled job enqueue nothing,
 * and a retried item (attempts > 0, which may have gone back to queued after the cancel swept)
 * reads the job inside its claim.
 */
export type JobBasics = Pick<JobRecord, 'id' | 'tenantId' | 'type' | 'provider' | 'accountId' | 'createdBy'>;
/** Per database: job ids derive from tenant + Idempotency-Key, so two databases can hold the same id. */
const jobBasicsCaches = new WeakMap<Firestore, Map<string, JobBasics>>();
const JOB_BASICS_CACHE_SIZE = 200;

async function jobBasics(db: Firestore, tenantId: string, jobId: string): Promise<JobBasics | undefined> {
  let cache = jobBasicsCaches.get(db);
  if (!cache) jobBasicsCaches.set(db, (cache = new Map()));
  const key = `${tenantId}/${jobId}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const job = (await db.doc(jobPath(tenantId, jobId)).get()).data() as JobRecord | undefined;
  if (!job) return undefined;
  const basics: JobBasics = { id: job.id, tenantId: job.tenantId, type: job.type, provider: job.provider, createdBy: job.createdBy, ...(job.accountId ? { accountId: job.accountId } : {}) };
  if (cache.size >= JOB_BASICS_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(key, basics);
  return basics;
}

/**
 * Cloud Tasks target: one item, one provider operation, at most once in effect. Each delivery logs
 * one `job.item` line (its outcome, or `retry` when it answers for the queue to retry): the job
 * throughput metric counts these.
 */
export function runItem(deps: JobDeps) {
  const run = runItemOnce(deps);
  return async (ref: { tenantId: string; jobId: string; itemId: string }, delivery: { retryCount: number }, log: Logger): Promise<ItemOutcome> => {
    const seen: { job?: JobBasics } = {};
    let outcome: ItemOutcome | 'retry' | 'error' = 'error';
    try {
      outcome = await run(ref, delivery, log, seen);
      return outcome;
    } catch (err) {
      if (err instanceof AppError && err.details?.retryable === true) outcome = 'retry';
      throw err;
    } finally {
      log.info('job item', {
        event: LOG_EVENTS.jobItem,
        jobId: ref.jobId,
        itemId: ref.itemId,
        provider: seen.job?.provider ?? 'unknown',
        type: seen.job?.type ?? 'unknown',
        outcome,
        retryCount: delivery.retryCount,
      });
    }
  };
}

function runItemOnce(deps: JobDeps) {
  return async (ref: { tenantId: string; jobId: string; itemId: string }, delivery: { retryCount: number }, log: Logger, seen: { job?: JobBasics }): Promise<ItemOutcome> => {
    const db = await deps.db();
    const jobRef = db.doc(jobPath(ref.tenantId, ref.jobId));
    const itemRef = db.doc(`${itemsPath(ref.tenantId, ref.jobId)}/${ref.itemId}`);
    const now = deps.now();
    const job = await jobBasics(db, ref.tenantId, ref.jobId);
    if (job) seen.job = job;
    const claim = await db.runTransaction(async (tx) => {
      const item = (await tx.get(itemRef)).data() as JobItemRecord | undefined;
      if (!job || !item) return { kind: 'gone' as const };
      if (finalItemStates.includes(item.state)) return { kind: 'final' as const };
      if (item.state === 'running' && item.leaseUntil && Date.parse(item.leaseUntil) > now.getTime()) {
        return { kind: 'busy' as const, leaseUntil: Date.parse(item.leaseUntil), attempts: item.attempts };
      }
      if (item.state === 'running' && item.waitingFor) {
        // What it waits for outlived the wait: look at it again (below) rather than redo the operation.
        tx.update(itemRef, { leaseUntil: new Date(now.getTime() + ITEM_LEASE_MS).toISOString(), updatedAt: now.toISOString() });
        return { kind: 'recheck' as const, wait: item.waitingFor };
      }
      // Only an item that ran before can be queued again after a cancel swept the job's queued items.
      const cancelRequested = item.attempts > 0 && ((await tx.get(jobRef)).get('cancelRequested') as boolean | undefined) === true;
      if (cancelRequested && item.state === 'queued') {
        tx.update(itemRef, { state: 'cancelled', updatedAt: now.toISOString(), finishedAt: now.toISOString() });
        return { kind: 'cancelled' as const };
      }
      tx.update(itemRef, { state: 'running', attempts: item.attempts + 1, leaseUntil: new Date(now.getTime() + ITEM_LEASE_MS).toISOString(), updatedAt: now.toISOString() });
      return { kind: 'run' as const, job, item };
    });
    if (claim.kind === 'gone') return 'already_final';
    if (claim.kind === 'final' || claim.kind === 'cancelled') {
      // Also for an item found final: the delivery that finished it may have died before scheduling
      // this check, and the last item's check is what finishes the job (one per window, deduplicated).
      await scheduleFinalizeCheck(deps, ref.tenantId, ref.jobId);
      return claim.kind === 'cancelled' ? 'cancelled' : 'already_final';
    }
    if (claim.kind === 'recheck') {
      const outcome = await recheckWait(deps, ref, claim.wait, job!, log);
      if (outcome !== 'waiting') await scheduleFinalizeCheck(deps, ref.tenantId, ref.jobId);
      return outcome;
    }
    if (claim.kind === 'busy') {
      // Another delivery holds the item — or held it and died. Come back when its lease ends rather
      // than lean on this queue's retries, which may all be spent before then, leaving it `running`.
      const target = taskTarget(deps.config, taskEndpoints.jobItem);
      await deps.tasks.enqueue({
        queue: providerQueue(job!.provider),
        ...target,
        body: ref,
        scheduleAt: new Date(claim.leaseUntil + 1000),
        // Named after the lease it waits out: a waiting item is leased again and again at the same attempt.
        id: `job-${ref.tenantId}-${ref.jobId}-${ref.itemId}-after${claim.attempts}-${claim.leaseUntil}`,
      });
      return 'busy';
    }

    const audit = jobItemContext(claim.job, ref.itemId);
    const attempt = claim.item.attempts + 1;
    /**
     * Writes this attempt's outcome unless the item moved on meanwhile: it left `running` (e.g. a
     * dead-lettered chunk failed it), or this delivery outlived its lease and a newer one claimed it.
     */
    const settle = (change: Record<string, unknown>) =>
      db.runTransaction(async (tx) => {
        const current = (await tx.get(itemRef)).data() as JobItemRecord | undefined;
        if (!current || current.state !== 'running' || current.attempts !== attempt) return false;
        tx.update(itemRef, { ...change, leaseUntil: null, updatedAt: deps.now().toISOString() });
        return true;
      });
    let succeeded = false;
    try {
      const result = await perform(deps, claim.job, claim.item, audit, log);
      const wait = acceptedNotDone(claim.job, result);
      if (wait) {
        // Accepted by the provider, not done: the item waits; what settles the request or order settles it.
        if (await waitForSettlement(deps, ref, attempt, result, job!.provider, wait)) return 'waiting';
        // It ended before the wait was written, and the item with it.
        await scheduleFinalizeCheck(deps, ref.tenantId, ref.jobId);
        return (await itemRef.get()).get('state') === 'failed' ? 'failed' : 'succeeded';
      }
      // The operation happened: that is the item's truth even if something else failed it meanwhile,
      // so this write needs no read first.
      const at = deps.now().toISOString();
      await itemRef.update({ state: 'succeeded', result, finishedAt: at, leaseUntil: null, updatedAt: at });
      succeeded = true;
    } catch (err) {
      const classified = classify(err);
      // Attempts are counted on the item: a continuation task (after a lease) starts its own retryCount at 0.
      const lastChance = Math.max(delivery.retryCount + 1, attempt) >= MAX_ITEM_ATTEMPTS;
      // A purchase whose outcome is not known (the provider may have sold the number, the look-ups
      // failed) is never ended by the item: it waits for the purchase's follow-up, which settles both.
      const unsettled = claim.job.type === 'purchase' ? await unsettledPurchase(deps, claim.job, claim.item, err, lastChance) : undefined;
      if (unsettled) {
        const wait: ItemWait = { kind: 'number-purchase', id: unsettled };
        if (await waitForSettlement(deps, ref, attempt, { numberId: unsettled, status: 'pending' }, job!.provider, wait, SETTLEMENT_RECHECK_MS)) {
          log.warn('job item waits for the outcome of its purchase', { jobId: ref.jobId, itemId: ref.itemId, numberId: unsettled });
          return 'waiting';
        }
        await scheduleFinalizeCheck(deps, ref.tenantId, ref.jobId);
        return (await itemRef.get()).get('state') === 'failed' ? 'failed' : 'succeeded';
      }
      const paused = loginPause(err);
      if (paused) {
        // Somos logins are paused (the login circuit breaker): the item comes back after the cool-down
        // without spending one of its attempts, instead of burning the queue's retries meanwhile.
        const stillOurs = await settle({ state: 'queued', error: classified, attempts: attempt - 1 });
        if (!stillOurs) return 'already_final';
        const waitMs = paused.retryAfterSeconds * 1000;
        const at = deps.now().getTime() + waitMs + Math.floor(Math.random() * Math.min(30_000, waitMs / 5 + 1));
        await deps.tasks.enqueue({
          queue: providerQueue(job!.provider),
          ...taskTarget(deps.config, taskEndpoints.jobItem),
          body: ref,
          scheduleAt: new Date(at),
          id: `job-${ref.tenantId}-${ref.jobId}-${ref.itemId}-paused${attempt}-${at}`,
        });
        return 'busy';
      }
      if (classified.retryable && !lastChance) {
        // Transient: free the item for the next delivery and let the queue retry with backoff.
        const stillOurs = await settle({ state: 'queued', error: classified });
        if (!stillOurs) return 'already_final';
        throw err instanceof AppError ? err : new AppError('SERVICE_UNAVAILABLE', classified.message, { retryable: true });
      }
      await settle({ state: 'failed', error: classified, finishedAt: deps.now().toISOString() });
    }
    // Outside the try: if scheduling fails, the task is retried, finds the item final, and schedules it then.
    await scheduleFinalizeCheck(deps, ref.tenantId, ref.jobId);
    return succeeded ? 'succeeded' : 'failed';
  };
}

/** How long an item waits before looking itself (a 202's follow-ups poll for about an hour; an order's every 10 minutes). */
const SETTLEMENT_WAIT_MS = 75 * 60 * 1000;
const SETTLEMENT_RECHECK_MS = 15 * 60 * 1000;
type ItemRef = { tenantId: string; jobId: string; itemId: string };

/** A result the provider accepted without doing it yet: a toll-free 202, or a purchase that became an order. */
function acceptedNotDone(job: JobBasics, result: Record<string, unknown>): ItemWait | undefined {
  if (result.pending === true && typeof result.requestId === 'string') return { kind: 'tollfree-request', id: result.requestId };
  if (job.type === 'purchase' && result.status === 'pending' && typeof result.numberId === 'string') return { kind: 'number-order', id: result.numberId };
  return undefined;
}

/**
 * The item waits: still `running` (its job stays open), leased until a fallback look of its own,
 * scheduled here. False when what it waits for ended first and settled the item (or a newer
 * delivery holds it).
 */
async function waitForSettlement(deps: JobDeps, ref: ItemRef, attempt: number, result: Record<string, unknown>, provider: string, wait: ItemWait, waitMs = SETTLEMENT_WAIT_MS): Promise<boolean> {
  const db = await deps.db();
  const itemRef = db.doc(`${itemsPath(ref.tenantId, ref.jobId)}/${ref.itemId}`);
  const leaseUntil = new Date(deps.now().getTime() + waitMs);
  const waiting = await db.runTransaction(async (tx) => {
    const current = (await tx.get(itemRef)).data() as JobItemRecord | undefined;
    if (!current || current.state !== 'running' || current.attempts !== attempt) return false;
    tx.update(itemRef, { result, waitingFor: wait, leaseUntil: leaseUntil.toISOString(), updatedAt: deps.now().toISOString() });
    return true;
  });
  if (!waiting) return false;
  // What it waits for may have ended between the provider's answer and this write, without seeing the wait.
  if (wait.kind === 'number-order' || wait.kind === 'number-purchase') {
    const number = await deps.numbers.get(ref.tenantId, wait.id);
    if (number && number.status !== 'pending') {
      await settleWaitingItem(deps, ref, orderedNumberOutcome(number)!);
      return false;
    }
  }
  await deps.tasks.enqueue({
    queue: providerQueue(provider),
    ...taskTarget(deps.config, taskEndpoints.jobItem),
    body: ref,
    scheduleAt: new Date(leaseUntil.getTime() + 1000),
    id: `job-${ref.tenantId}-${ref.jobId}-${ref.itemId}-wait${leaseUntil.getTime()}`,
  });
  return true;
}

/** Ends a waiting item with its outcome, unless something settled it already. True when this call did. */
async function settleWaitingItem(
  deps: Pick<JobDeps, 'db' | 'now'>,
  ref: ItemRef,
  outcome: ItemSettlement,
): Promise<boolean> {
  const db = await deps.db();
  const itemRef = db.doc(`${itemsPath(ref.tenantId, ref.jobId)}/${ref.itemId}`);
  return db.runTransaction(async (tx) => {
    const current = (await tx.get(itemRef)).data() as JobItemRecord | undefined;
    if (!current || current.state !== 'running' || !current.waitingFor) return false;
    tx.update(itemRef, itemSettlement(outcome, deps.now().toISOString()));
    return true;
  });
}

/**
 * The fallback look of a waiting item whose wait ran out, through the code that normally settles
 * what it waits for (which also restarts a lost follow-up chain): one poll of a toll-free request
 * (failed after its last poll), or the purchase follow-up of an ordered number. Still open → another
 * look later; ended → the item ends with it.
 */
async function recheckWait(deps: JobDeps, ref: ItemRef, wait: ItemWait, job: JobBasics, log: Logger): Promise<ItemOutcome> {
  let outcome: ItemSettlement | undefined;
  try {
    outcome = await lookAtWait(deps, ref, wait, job, log);
  } catch (err) {
    // The provider or registry could not answer now: look again later (the item keeps waiting; a
    // thrown error would leave it to this task's retries, whose names repeat per lease).
    log.warn('job item could not look at what it waits for; looking again later', { jobId: ref.jobId, itemId: ref.itemId, waitingFor: wait, err });
  }
  const db = await deps.db();
  const item = (await db.doc(`${itemsPath(ref.tenantId, ref.jobId)}/${ref.itemId}`).get()).data() as JobItemRecord;
  if (finalItemStates.includes(item.state)) return item.state === 'succeeded' ? 'succeeded' : 'failed';
  if (!outcome) {
    log.info('job item still waiting', { jobId: ref.jobId, itemId: ref.itemId, waitingFor: wait });
    await waitForSettlement(deps, ref, item.attempts, item.result ?? {}, job.provider, wait, SETTLEMENT_RECHECK_MS);
    return 'waiting';
  }
  await settleWaitingItem(deps, ref, outcome);
  return outcome.state;
}

/** What a waiting item waits for, looked at once: its outcome once it has ended, else undefined. */
async function lookAtWait(deps: JobDeps, ref: ItemRef, wait: ItemWait, job: JobBasics, log: Logger): Promise<ItemSettlement | undefined> {
  const audit = jobItemContext(job, ref.itemId);
  let outcome: ItemSettlement | undefined;
  if (wait.kind === 'tollfree-request') {
    const { followUpRequest } = await import('../tollfree/followup.js');
    const { tollfreeRequests, jobItemOutcome } = await import('../tollfree/requests.js');
    const requests = tollfreeRequests(deps.db);
    let request = await requests.get(ref.tenantId, wait.id);
    if (request?.status === 'pending') {
      await followUpRequest(deps)(ref.tenantId, wait.id, request.attempts, audit);
      request = await requests.get(ref.tenantId, wait.id);
    }
    if (!request) outcome = { state: 'failed', error: { code: 'INTERNAL', message: 'The registry request this item waited for is gone', retryable: false } };
    else if (request.status !== 'pending') outcome = jobItemOutcome(request);
  } else {
    let number = await deps.numbers.get(ref.tenantId, wait.id);
    if (number?.status === 'pending') {
      await settlePendingPurchase(deps)(ref.tenantId, wait.id, audit, log, { atProvider: true, key: `wait-${deps.now().getTime()}` });
      number = await deps.numbers.get(ref.tenantId, wait.id);
    }
    if (!number) outcome = { state: 'failed', error: { code: 'INTERNAL', message: 'The number this item waited for is gone', retryable: false } };
    else outcome = orderedNumberOutcome(number);
  }
  return outcome;
}

/**
 * The number of a purchase item whose outcome is still open: the purchase answered "not known yet"
 * (the provider may have sold it; its look-ups failed), or this is the item's last attempt and its
 * number is still pending. Undefined when the item may simply retry or fail.
 */
async function unsettledPurchase(deps: JobDeps, job: JobBasics, item: JobItemRecord, err: unknown, lastChance: boolean): Promise<string | undefined> {
  const details = err instanceof AppError ? (err.details as { ambiguous?: unknown; numberId?: unknown } | undefined) : undefined;
  if (details?.ambiguous === true && typeof details.numberId === 'string') return details.numberId;
  if (!lastChance) return undefined;
  const phoneNumber = (item.input as { phoneNumber?: unknown }).phoneNumber;
  if (typeof phoneNumber !== 'string') return undefined;
  const held = await deps.numbers.findHeld(job.tenantId, phoneNumber).catch(() => undefined);
  return held?.status === 'pending' && held.origin?.jobId === job.id && held.origin.itemId === item.id ? held.id : undefined;
}

/** The one provider operation of an item, through the single-item services (same money safety). */
async function perform(deps: JobDeps, job: JobBasics, item: JobItemRecord, audit: AuditContext, log: Logger): Promise<Record<string, unknown>> {
  switch (job.type) {
    case 'purchase': {
      const input = item.input as {
        phoneNumber: string;
        displayName?: string;
        tags?: string[];
        externalRef?: string;
        webhookUrl?: string;
        voiceUrl?: string;
        smsUrl?: string;
        statusCallbackUrl?: string;
      };
      // A redelivery after the purchase went through finds the number this item bought; the
      // first attempt (attempts counted before this claim) cannot have bought anything yet.
      if (item.attempts > 0) {
        const held = await deps.numbers.findHeld(job.tenantId, input.phoneNumber);
        if (held?.origin?.jobId === job.id && held.origin.itemId === item.id) {
          if (held.status !== 'pending') return { numberId: held.id, status: held.status };
          // Its order was placed: the order's webhook (or poll) settles the number, as after a first delivery.
          if (held.purchase?.outcome === 'ordered') return { numberId: held.id, status: held.status };
          // Its purchase is still under the lease of the delivery that died: try again once that ends
          // (then it resumes, looking the number up first) — the tenant's claim answers 409 until then.
          const leaseLeft = Date.parse(held.purchase?.leaseUntil ?? '') - deps.now().getTime();
          if (leaseLeft > 0) {
            throw new AppError('SERVICE_UNAVAILABLE', 'This item’s purchase is still in flight', { retryable: true }, Math.ceil(leaseLeft / 1000));
          }
        }
      }
      const record = await purchaseNumber(deps)(
        {
          tenantId: job.tenantId,
          uid: job.createdBy,
          provider: job.provider as NumberProviderName,
          ...(job.accountId ? { accountId: job.accountId } : {}),
          ...input,
          origin: { jobId: job.id, itemId: item.id },
          audit,
        },
        log,
      );
      return { numberId: record.id, status: record.status };
    }
    case 'release': {
      const input = item.input as { numberId: string; reason?: string };
      // One read inside releaseNumber: a separate "already released?" read before it left a window in
      // which a concurrent item for the same number released it and this one failed with a conflict.
      const record = await releaseNumber(deps)(
        job.tenantId,
        input.numberId,
        { force: false, deferUsage: job.id, releasedIsDone: true, ...(input.reason ? { reason: input.reason } : {}) },
        audit,
      );
      return { numberId: record.id, status: record.status };
    }
    case 'update': {
      const input = item.input as { numberId: string; changes: z.infer<typeof UpdateNumberBody> };
      const record = await updateNumber(deps)(job.tenantId, input.numberId, input.changes, audit);
      return { numberId: record.id, status: record.status };
    }
    default:
      // Toll-free items need the Somos modules; no other job type loads them.
      return (await import('./tollfree-items.js')).performTollFreeItem(deps, job, item, audit);
  }
}

/** Somos logins paused by the login circuit breaker (SomosLoginPausedError: 503, details.reason login_paused, Retry-After). */
function loginPause(err: unknown): { retryAfterSeconds: number } | undefined {
  if (!(err instanceof AppError) || err.details?.reason !== 'login_paused' || !err.retryAfterSeconds) return undefined;
  return { retryAfterSeconds: err.retryAfterSeconds };
}

function classify(err: unknown): NonNullable<JobItemRecord['error']> {
  if (isProviderError(err)) {
    return {
      code: 'PROVIDER_ERROR',
      message: err.message,
      provider: err.provider,
      ...(err.info.providerCode ? { providerCode: err.info.providerCode } : {}),
      retryable: err.info.retryable,
    };
  }
  if (err instanceof AppError) {
    // A provider's permanent refusal wrapped in a 5xx (e.g. 502 PROVIDER_ERROR, retryable: false) is not retried.
    const retryable = err.details?.retryable === false ? false : err.status >= 500 || err.status === 429 || err.details?.retryable === true;
    const providerCode = err.details?.providerCode;
    return {
      code: err.code,
      message: err.message,
      ...(typeof err.details?.provider === 'string' ? { provider: err.details.provider } : {}),
      ...(typeof providerCode === 'string' ? { providerCode } : {}),
      retryable,
    };
  }
  return { code: 'INTERNAL', message: 'Unexpected error while processing the item', retryable: true };
}

/** Counts per item state, read in one snapshot (a read-only transaction) so they always add up. */
export async function itemCounts(db: Firestore, tenantId: string, jobId: string): Promise<Record<ItemState, number>> {
  const items = db.collection(itemsPath(tenantId, jobId));
  const entries = await db.runTransaction(
    (tx) => Promise.all(itemStates.map(async (state) => [state, (await tx.get(items.where('state', '==', state).count())).data().count] as const)),
    { readOnly: true },
  );
  return Object.fromEntries(entries) as Record<ItemState, number>;
}


/** When no item is open any more, the job gets its final status (once) and its callback is scheduled. */
export async function finalizeIfDone(deps: Pick<JobDeps, 'db' | 'now' | 'tasks' | 'config'>, tenantId: string, jobId: string, log: Logger): Promise<void> {
  const db = await deps.db();
  // Is any item still open? One index entry answers it (a count would scan every open item, twice a
  // second for the whole job); the full breakdown only once nothing is open.
  const open = await db.collection(itemsPath(tenantId, jobId)).where('state', 'in', ['queued', 'running']).select().limit(1).get();
  if (!open.empty) return;
  const counts = await itemCounts(db, tenantId, jobId);
  const jobRef = db.doc(jobPath(tenantId, jobId));
  let finishedBefore: JobRecord | undefined;
  let stillBeingCreated: JobRecord | undefined;
  const finalized = await db.runTransaction(async (tx) => {
    const job = (await tx.get(jobRef)).data() as JobRecord | undefined;
    finishedBefore = job?.finishedAt ? job : undefined;
    if (!job || job.finishedAt) return undefined;
    // Not before all its items are out (a cancel while the API is still writing them would finish
    // the job with some items to come). A creation that died is finished by its replay; without one,
    // the job ends as it is once a creation could no longer be running.
    stillBeingCreated = !job.chunksPublishedAt && Date.parse(job.createdAt) + JOB_CREATION_GRACE_MS > deps.now().getTime() ? job : undefined;
    if (stillBeingCreated) return undefined;
    // Items the job counted but that were never stored (its creation died part-way and was not
    // replayed with its Idempotency-Key) did not run: they count as failed, and the job says why,
    // rather than ending "completed" without them.
    const missing = Math.max(0, job.itemCount - itemStates.reduce((sum, state) => sum + counts[state], 0));
    const finalCounts = missing ? { ...counts, failed: counts.failed + missing } : counts;
    const status = statusFromCounts(finalCounts, job.cancelRequested === true);
    const usage = job.type === 'purchase' || job.type === 'release' ? await readUsage(tx, db, tenantId) : undefined;
    const uncounted = job.type === 'release' ? (await tx.get(db.collection(`tenants/${tenantId}/numbers`).where('uncountedByJob', '==', jobId).count())).data().count : 0;
    const now = deps.now().toISOString();
    // Usage settles once per job: unused purchase reservations come back; released numbers stop counting.
    if (usage && job.type === 'purchase') {
      const unused = Math.max(0, (job.reserved ?? 0) - counts.succeeded);
      changeUsage(tx, db, tenantId, usage, { held: -unused, purchased: -unused }, deps.now());
    }
    // Only the numbers this job's releases took out of usage: not ones released before (an item
    // that found its number released already succeeds too), nor a number listed twice.
    if (usage && job.type === 'release' && uncounted > 0) changeUsage(tx, db, tenantId, usage, { held: -uncounted }, deps.now());
    const failureReason = missing
      ? `${missing} of ${job.itemCount} items were never stored (the request that created the job failed part-way and was not repeated with its Idempotency-Key); they did not run`
      : undefined;
    tx.update(jobRef, { status, finalCounts, finishedAt: now, updatedAt: now, ...(failureReason ? { failureReason } : {}) });
    return { ...job, status, finalCounts, finishedAt: now };
  });
  if (stillBeingCreated) {
    await deps.tasks.enqueue({
      queue: taskEndpoints.jobFinalize.queue,
      ...taskTarget(deps.config, taskEndpoints.jobFinalize),
      body: { tenantId, jobId },
      scheduleAt: new Date(Date.parse(stillBeingCreated.createdAt) + JOB_CREATION_GRACE_MS + 1000),
      id: `job-finalize-${tenantId}-${jobId}-after-creation`,
    });
    return;
  }
  if (!finalized) {
    // Finished by an earlier check, which may have died before enqueuing the callback: the task id
    // makes this a no-op when it did not.
    if (finishedBefore?.callbackUrl) await enqueueCallback(deps, tenantId, jobId);
    return;
  }
  log.info('job finished', { jobId, status: finalized.status, counts });
  if (finalized.callbackUrl) await enqueueCallback(deps, tenantId, jobId);
}

const enqueueCallback = (deps: Pick<JobDeps, 'tasks' | 'config'>, tenantId: string, jobId: string) =>
  deps.tasks.enqueue({
    queue: taskEndpoints.jobCallback.queue,
    ...taskTarget(deps.config, taskEndpoints.jobCallback),
    body: { tenantId, jobId },
    id: `job-callback-${tenantId}-${jobId}`,
  });

export function cancelJob(deps: JobDeps) {
  return async (tenantId: string, jobId: string, log: Logger): Promise<JobRecord> => {
    const db = await deps.db();
    const jobRef = db.doc(jobPath(tenantId, jobId));
    const job = await db.runTransaction(async (tx) => {
      const current = (await tx.get(jobRef)).data() as JobRecord | undefined;
      if (!current) throw notFound('Job');
      if (current.finishedAt) throw conflict(`This job already finished (${current.status})`, { status: current.status });
      tx.update(jobRef, { cancelRequested: true, updatedAt: deps.now().toISOString() });
      return { ...current, cancelRequested: true };
    });
    // Items not started yet become cancelled now; running ones finish (their tasks see the flag otherwise).
    const queued = await db.collection(itemsPath(tenantId, jobId)).where('state', '==', 'queued').get();
    const now = deps.now().toISOString();
    await moveUnchangedItems(db, queued.docs, { state: 'cancelled', updatedAt: now, finishedAt: now });
    await finalizeIfDone(deps, tenantId, jobId, log);
    return job;
  };
}

/** A job as the API shows it: counts from the items, percent, throughput. */
export async function jobView(db: Firestore, job: JobRecord, now: Date) {
  const counts = job.finalCounts ?? (await itemCounts(db, job.tenantId, job.id));
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const done = counts.succeeded + counts.failed + counts.cancelled;
  const status = job.finishedAt ? job.status : total === 0 && job.search ? 'queued' : statusFromCounts(counts, job.cancelRequested === true);
  const end = job.finishedAt ? Date.parse(job.finishedAt) : now.getTime();
  const seconds = job.startedAt ? Math.max(0.001, (end - Date.parse(job.startedAt)) / 1000) : undefined;
  const { tenantId: _t, finalCounts: _f, chunksPublishedAt: _c, ...rest } = job;
  return {
    ...rest,
    status: status === 'completed' && job.cancelRequested ? 'cancelled' : status,
    counts,
    total,
    percent: total === 0 ? 0 : Math.floor((done / total) * 100),
    ...(seconds !== undefined ? { throughputPerSecond: Math.round(((counts.succeeded + counts.failed) / seconds) * 100) / 100 } : {}),
  };
}

export async function markChunkDeadLettered(deps: Pick<JobDeps, 'db' | 'now' | 'tasks' | 'config'>, message: ChunkMessage, log: Logger) {
  const db = await deps.db();
  if (message.expand) return failUnexpandedJob(deps, db, message, log);
  const snap = await chunkItems(db, message);
  const now = deps.now().toISOString();
  // Only items no task has picked up: a running item's task settles it (and may be buying right now).
  const waiting = snap.docs.filter((doc) => (doc.data() as JobItemRecord).state === 'queued');
  await moveUnchangedItems(db, waiting, {
    state: 'failed',
    error: { code: 'DEAD_LETTERED', message: 'The chunk could not be delivered to the worker', retryable: false },
    updatedAt: now,
    finishedAt: now,
  });
  log.error('job chunk dead-lettered; its waiting items failed', { jobId: message.jobId, from: message.from, to: message.to });
  await finalizeIfDone(deps, message.tenantId, message.jobId, log);
}

/**
 * Writes a change to each item only if it is still as it was read: an item a task claimed
 * meanwhile (and may be buying) is left to that task.
 */
const moveUnchangedItems = (db: Firestore, docs: QueryDocumentSnapshot[], change: Record<string, unknown>) =>
  writeEachItem(db, FAILED_PRECONDITION, (writer) => docs.map((doc) => writer.update(doc.ref, change, { lastUpdateTime: doc.updateTime })));

/**
 * Item writes made independently (one that cannot apply does not hold up the rest): `tolerated` is
 * the error code of a write that no longer applies; any other failure is thrown, so the caller is retried.
 */
async function writeEachItem(db: Firestore, tolerated: number, writes: (writer: BulkWriter) => Promise<unknown>[]): Promise<void> {
  const writer = db.bulkWriter();
  writer.onWriteError((error) => error.code !== tolerated && error.failedAttempts < 5);
  const failures: unknown[] = [];
  const results = writes(writer).map((write) =>
    write.catch((err: { code?: number }) => {
      if (err.code !== tolerated) failures.push(err);
    }),
  );
  await writer.close();
  await Promise.all(results);
  if (failures.length > 0) throw new AppError('SERVICE_UNAVAILABLE', `${failures.length} of ${results.length} item writes failed; retry`, { retryable: true });
}
const FAILED_PRECONDITION = 9;
const ALREADY_EXISTS = 6;

/**
 * A search job whose search message was dead-lettered: if it has no items, nothing was or will be
 * bought, so it finishes as failed, with a reason and its whole reservation returned. (With items,
 * their own chunks settle them.)
 */
async function failUnexpandedJob(deps: Pick<JobDeps, 'db' | 'now' | 'tasks' | 'config'>, db: Firestore, message: ChunkMessage, log: Logger) {
  const jobRef = db.doc(jobPath(message.tenantId, message.jobId));
  const failed = await db.runTransaction(async (tx) => {
    const job = (await tx.get(jobRef)).data() as JobRecord | undefined;
    const expanded = (await tx.get(db.doc(`${jobPath(message.tenantId, message.jobId)}/expansion/numbers`))).exists;
    if (!job || job.finishedAt || expanded) return undefined;
    const usage = job.type === 'purchase' ? await readUsage(tx, db, message.tenantId) : undefined;
    const now = deps.now().toISOString();
    if (usage) changeUsage(tx, db, message.tenantId, usage, { held: -(job.reserved ?? 0), purchased: -(job.reserved ?? 0) }, deps.now());
    const finalCounts = Object.fromEntries(itemStates.map((state) => [state, 0])) as Record<ItemState, number>;
    const nothing = job.type === 'tollfree-reserve' ? 'nothing was reserved' : 'nothing was bought';
    tx.update(jobRef, { status: 'failed', failureReason: `The ${job.provider} search for this job could not be run; ${nothing}`, finalCounts, finishedAt: now, updatedAt: now });
    return job;
  });
  if (!failed) {
    await finalizeIfDone(deps, message.tenantId, message.jobId, log);
    return;
  }
  log.error('search job dead-lettered before it found its numbers; job failed', { jobId: message.jobId });
  if (failed.callbackUrl) await enqueueCallback(deps, message.tenantId, message.jobId);
}
