import type { z } from 'zod';
import type { TaskOperationFactory } from '../../../shared/api/endpoint.js';
import type { SomosFollowupResult, SomosFollowupTask } from '../../../shared/api/schemas.js';
import { systemContext } from '../../../shared/domain/audit.js';
import { runFollowup } from '../services/followup.js';

/** Cloud Tasks target: a 202'd registry request, a pending text enablement or an open RespOrg change. */
const operation: TaskOperationFactory<Record<string, never>, Record<string, never>, z.infer<typeof SomosFollowupTask>, z.infer<typeof SomosFollowupResult>> =
  (deps) =>
  async ({ body, requestId }) => ({ body: await runFollowup(deps)(body, systemContext('somos-followup', requestId)) });
export default operation;
