import type { EventOperationFactory } from '../../shared/api/endpoint.js';
import { AppError } from '../../shared/http/errors.js';
import { markChunkDeadLettered, type ChunkMessage } from '../../shared/services/jobs/jobs.js';

/** A chunk that could not be processed ends as failed items, never as lost ones. */
const operation: EventOperationFactory = (deps) => async ({ data, log }) => {
  const message = data as ChunkMessage;
  if (!message?.tenantId || !message.jobId) throw new AppError('VALIDATION_ERROR', 'Not a job chunk message');
  await markChunkDeadLettered(deps, message, log);
};
export default operation;
