/** Bulk jobs: the shared leaf — topic and size constants, the chunk message and the types every job module uses. */
import type { JobRecord } from '../../../shared/domain/job.js';
import type { Deps } from '../../../shared/deps.js';

export const JOB_TOPIC = 'jobs-chunks';
export const JOB_DEAD_LETTER_TOPIC = 'jobs-chunks-dead-letter';
export const CHUNK_SIZE = 100;
export const MAX_ITEMS = 10_000;
/** Transient failures retry through the queue; after this many deliveries an item fails for good. */
export const MAX_ITEM_ATTEMPTS = 8;

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

export type JobDeps = Pick<Deps, 'db' | 'now' | 'publisher' | 'tasks' | 'config' | 'log' | 'numbers' | 'providers' | 'secrets' | 'somos'>;

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

export type ItemRef = { tenantId: string; jobId: string; itemId: string };
