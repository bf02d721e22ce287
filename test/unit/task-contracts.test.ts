import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { endpoints } from '../../functions/endpoints.js';
import { taskEndpoints, type TaskBodies } from '../../shared/api/task-targets.js';
import { RelayDeliveryTask } from '../../shared/api/schemas/inbound.js';
import { JobCallbackTask, JobItemTask } from '../../shared/api/schemas/jobs.js';
import { PollRequirementGroupTask } from '../../shared/api/schemas/requirements.js';
import { ReconcileAccountTask, SettlePurchaseTask } from '../../shared/api/schemas/tasks.js';
import { SomosFollowupTask } from '../../shared/api/schemas/tollfree.js';
import { queueDefinitions } from '../../shared/queue/queues.js';

// A task's contract is one entry of shared/api/task-targets.ts: its function, path, queue and the
// body senders may enqueue (TaskBodies). The receiver's row must parse exactly that body.
const receivers = {
  settlePurchase: SettlePurchaseTask,
  reconcileAccount: ReconcileAccountTask,
  jobItem: JobItemTask,
  relayDelivery: RelayDeliveryTask,
  jobFinalize: JobCallbackTask,
  jobCallback: JobCallbackTask,
  pollRequirementGroup: PollRequirementGroupTask,
  somosFollowup: SomosFollowupTask,
} as const;

type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
// Fails to compile when a sender's body type and the receiver's schema drift apart.
const sameTypes: { [K in keyof TaskBodies]: Same<z.input<(typeof receivers)[K]>, TaskBodies[K]> } = {
  settlePurchase: true,
  reconcileAccount: true,
  jobItem: true,
  relayDelivery: true,
  jobFinalize: true,
  jobCallback: true,
  pollRequirementGroup: true,
  somosFollowup: true,
};

describe('task contracts', () => {
  it('has every enqueued task received by a task row that parses the contract’s body', () => {
    expect(Object.values(sameTypes).every(Boolean)).toBe(true);
    for (const [key, schema] of Object.entries(receivers) as [keyof TaskBodies, z.ZodType][]) {
      const contract = taskEndpoints[key];
      const row = endpoints.find((e) => e.name === contract.name);
      expect(row, key).toBeDefined();
      expect(row!.access, key).toBe('task');
      expect(row!.path, key).toBe(contract.path);
      expect(row!.body, `${key}: the row parses another body than its contract`).toBe(schema);
    }
  });

  it('names only queues that exist, and every other task endpoint is a Cloud Scheduler target', () => {
    const queues = Object.keys(queueDefinitions({}));
    for (const [key, contract] of Object.entries(taskEndpoints)) {
      const family = contract.queue.endsWith('*') ? queues.filter((q) => q.startsWith(contract.queue.slice(0, -1))) : queues.filter((q) => q === contract.queue);
      expect(family.length, `${key}: queue ${contract.queue}`).toBeGreaterThan(0);
      if (!(key in receivers)) expect(contract.path, `${key} is neither enqueued nor scheduled`).toMatch(/^\/internal\/scheduled\//);
    }
  });
});
