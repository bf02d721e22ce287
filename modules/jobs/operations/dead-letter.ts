import type { EventOperationFactory } from '../../../shared/api/endpoint.js';
import { AppError } from '../../../shared/http/errors.js';
import { LOG_EVENTS } from '../../../shared/log-events.js';
import { markChunkDeadLettered, type ChunkMessage } from '../services/jobs.js';

/** A chunk that could not be processed ends as failed items, never as lost ones. */
const operation: EventOperationFactory = (deps) => async ({ data, log }) => {
  const message = data as ChunkMessage;
  if (!message?.tenantId || !message.jobId) throw new AppError('VALIDATION_ERROR', 'Not a job chunk message');
  // Counted by the dead-letter metric and alert (terraform/monitoring.tf): one line per delivery of a dead letter.
  log.warn('job message dead-lettered', { event: LOG_EVENTS.jobDeadLettered, kind: message.expand ? 'search' : 'chunk', tenantId: message.tenantId, jobId: message.jobId, from: message.from, to: message.to });
  await markChunkDeadLettered(deps, message, log);
};
export default operation;
