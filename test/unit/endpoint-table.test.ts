import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { getFunction } from '@google-cloud/functions-framework/testing';
import { endpoints, eventFunctions, jobTypeEndpoints, jobTypeRoles } from '../../functions/endpoints.js';
import '../../functions/index.js';
import { buildOpenApi } from '../../shared/api/openapi.js';
import { generated } from '../../scripts/generate.js';
import { taskEndpoints } from '../../shared/api/task-targets.js';
import { queueDefinitions } from '../../shared/queue/queues.js';
import { CreateJobBody } from '../../shared/api/schemas.js';

// One source of truth: these fail when exports, OpenAPI, or Terraform's list drift from the table.
describe('endpoint table', () => {
  it('has unique function names and unique method+path pairs', () => {
    const names = endpoints.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    const routes = endpoints.map((e) => `${e.method} ${e.path}`);
    expect(new Set(routes).size).toBe(routes.length);
    for (const name of names) expect(name).toMatch(/^[a-z][A-Za-z0-9]{0,62}$/); // valid Cloud Functions name
  });

  it('registers exactly one functions-framework target per row', () => {
    for (const endpoint of [...endpoints, ...eventFunctions]) expect(getFunction(endpoint.name), endpoint.name).toBeTypeOf('function');
    const names = [...endpoints, ...eventFunctions].map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    expect(getFunction('notInTheTable')).toBeUndefined();
  });

  it('points every row at an operation module with a default factory', async () => {
    for (const endpoint of [...endpoints, ...eventFunctions]) {
      const module = await endpoint.operation();
      expect(module.default, endpoint.name).toBeTypeOf('function');
    }
  });

  it('documents every row in OpenAPI, and nothing else', () => {
    const doc = buildOpenApi(endpoints) as { paths: Record<string, Record<string, { operationId: string }>> };
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => `${method.toUpperCase()} ${path} ${op.operationId}`),
    );
    expect(documented.sort()).toEqual(endpoints.map((e) => `${e.method} ${e.path} ${e.name}`).sort());
  });

  it('matches the committed generated files (run `npm run generate` after changing the table)', async () => {
    for (const [file, render] of Object.entries(generated)) {
      const committed = await readFile(new URL(`../../${file}`, import.meta.url), 'utf8');
      expect(committed, `${file} is stale`).toBe(await render(committed));
    }
  });

  it('feeds terraform from the generated function list', async () => {
    const main = await readFile(new URL('../../terraform/functions.tf', import.meta.url), 'utf8');
    expect(main).toContain('jsondecode(file("${path.module}/functions.json"))');
    const events = await readFile(new URL('../../terraform/events.tf', import.meta.url), 'utf8');
    for (const use of ['local.manifest.eventFunctions', 'local.manifest.queues', 'local.manifest.topics']) expect(events).toContain(use);
  });

  it('sends every task endpoint to a queue that exists; job-done checks never share the purchase follow-ups queue', () => {
    const queues = queueDefinitions({});
    for (const [key, target] of Object.entries(taskEndpoints)) {
      // Bulk items go to the queue of their job's provider: every provider a job may name has one.
      if (target.queue === 'provider-*') for (const provider of CreateJobBody.shape.provider.options) expect(Object.keys(queues), key).toContain(`provider-${provider}`);
      else expect(Object.keys(queues), key).toContain(target.queue);
      // Its row names the same function and path (rows write them out: an expression would keep every row of its file in each bundle).
      expect(endpoints.find((e) => e.name === target.name)?.path, key).toBe(target.path);
    }
    // Checks run twice a second per running job: on the follow-ups queue (10/s) a handful of
    // concurrent jobs would delay every purchase's settle task behind them.
    expect(taskEndpoints.jobFinalize.queue).not.toBe(taskEndpoints.settlePurchase.queue);
    expect(queues[taskEndpoints.jobFinalize.queue]!.maxDispatchesPerSecond).toBeGreaterThanOrEqual(50);
  });

  it('gives each bulk job type the role of the single-item endpoint its items stand in for', () => {
    const roles = jobTypeRoles();
    expect(endpoints.find((e) => e.name === 'jobsCreate')?.roleByBodyField?.field).toBe('type');
    expect(Object.keys(jobTypeEndpoints).sort()).toEqual([...CreateJobBody.shape.type.options].sort());
    for (const [type, name] of Object.entries(jobTypeEndpoints)) {
      expect(endpoints.find((e) => e.name === name)?.access, `${type} → ${name}`).toBe(roles[type as keyof typeof roles]);
    }
    // What only an admin may do one at a time, only an admin may do in bulk.
    expect(roles).toEqual({
      purchase: 'member',
      update: 'member',
      release: 'admin',
      'tollfree-reserve': 'admin',
      'tollfree-activate': 'admin',
      'tollfree-routing': 'admin',
      'tollfree-sms': 'admin',
    });
    const doc = buildOpenApi(endpoints) as { paths: Record<string, Record<string, Record<string, unknown>>> };
    expect(doc.paths['/v1/jobs']!.post!['x-required-role-by-body-field']).toEqual({ field: 'type', roles });
    expect(Object.keys(doc.paths['/v1/jobs']!.post!.responses as object)).toContain('403');
  });

  it('dispatches purchase follow-ups at least as fast as the provider queues can create them', () => {
    for (const env of [{}, { QUEUE_RATE_TWILIO: '400' }]) {
      const queues = queueDefinitions(env);
      const purchases = Object.entries(queues)
        .filter(([name]) => name.startsWith('provider-'))
        .reduce((sum, [, q]) => sum + q.maxDispatchesPerSecond, 0);
      expect(queues[taskEndpoints.settlePurchase.queue]!.maxDispatchesPerSecond).toBeGreaterThanOrEqual(purchases);
    }
  });
});
