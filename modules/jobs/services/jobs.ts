/**
 * Bulk jobs. The API writes the job and its items, then publishes chunks to Pub/Sub; a worker
 * turns chunks into one Cloud Task per item on the provider's queue (rate-limited like the
 * provider); each item task performs exactly one operation through the same service code as the
 * single-item endpoints. Progress comes from aggregation counts over item states, so no document
 * is written more than a handful of times per job.
 *
 * The workflow lives per file: job-create (validation, spend guards, the job document), job-fanout
 * (items and chunks published; the chunk worker), job-search-expansion (search jobs → numbers),
 * item-state (one item's delivery: claim, run, settle), item-wait (accepted, not done yet),
 * item-perform (the operation and its error classes), job-finalize, job-cancel, job-view,
 * dead-letter; job-model holds the shared constants and types; ../repository/ is the only code touching Firestore.
 * This module is their public surface.
 */
export {
  JOB_TOPIC,
  JOB_DEAD_LETTER_TOPIC,
  CHUNK_SIZE,
  MAX_ITEMS,
  MAX_ITEM_ATTEMPTS,
  type ChunkMessage,
  type JobDeps,
  type PurchaseSearch,
  type TollFreeSearch,
  type ItemOutcome,
  type JobBasics,
} from './job-model.js';
export { createJob, type CreateJobInput } from './job-create.js';
export { expandChunk } from './job-fanout.js';
export { runItem } from './item-state.js';
export { jobView } from './job-view.js';
export { finalizeIfDone } from './job-finalize.js';
export { cancelJob } from './job-cancel.js';
export { markChunkDeadLettered } from './dead-letter.js';
