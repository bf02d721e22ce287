import type { z } from 'zod';
import type { TaskOperationFactory } from '../../../shared/api/endpoint.js';
import type { PollRequirementGroupResult, PollRequirementGroupTask } from '../../../shared/api/schemas.js';
import { systemContext } from '../../../shared/domain/audit.js';
import { refreshGroup, schedulePoll } from '../services/approval.js';
import { requirementGroups } from '../repository.js';

/** Cloud Tasks target: checks a submitted group's approval, and polls again later while it is pending. */
const operation: TaskOperationFactory<Record<string, never>, Record<string, never>, z.infer<typeof PollRequirementGroupTask>, z.infer<typeof PollRequirementGroupResult>> =
  (deps) =>
  async ({ body, requestId }) => {
    const current = await requirementGroups(deps.db).get(body.tenantId, body.groupId);
    if (!current) return { body: { status: 'unapproved', polledAgain: false } };
    const record = await refreshGroup(deps)(current, systemContext('requirement-group-poll', requestId));
    const again = record.status === 'pending';
    if (again) await schedulePoll(deps, record, body.attempt + 1);
    return { body: { status: record.status, polledAgain: again } };
  };
export default operation;
