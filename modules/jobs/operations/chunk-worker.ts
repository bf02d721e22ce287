import type { EventOperationFactory } from '../../../shared/api/endpoint.js';
import { AppError } from '../../../shared/http/errors.js';
import { expandChunk, type ChunkMessage } from '../services/jobs.js';

/** Pub/Sub → one Cloud Task per item of the chunk; a redelivered message re-enqueues the same task ids (deduped). */
const operation: EventOperationFactory = (deps) => async ({ data, log }) => {
  const message = data as ChunkMessage;
  if (!message?.tenantId || !message.jobId) throw new AppError('VALIDATION_ERROR', 'Not a job chunk message');
  const { enqueued } = await expandChunk(deps)(message, log);
  log.debug('chunk expanded', { jobId: message.jobId, from: message.from, to: message.to, enqueued });
};
export default operation;
