import { describe, expect, it } from 'vitest';
import type { Request, Response } from '@google-cloud/functions-framework';
import { z } from 'zod';
import { defineEndpoint, type AnyEndpoint, type OperationFactory, type TaskOperationFactory, type UnauthenticatedOperationFactory } from '../../shared/api/endpoint.js';
import { parseConfig } from '../../shared/config.js';
import { createDeps } from '../../shared/deps.js';
import { createHttpFunction } from '../../shared/http/handler.js';
import { createLogger } from '../../shared/log.js';

// Issue 15: tasks and webhooks get a caller type of their own. A task's operation has `task` (who
// dispatched it) and no `caller`; a webhook's or public endpoint's has neither: none can take a tenant
// from a caller by accident. The row's `access` types its operation (OperationFactoryFor), so the
// mistakes below do not compile (`npm run typecheck`).

const Body = z.object({ tenantId: z.string() });

// @ts-expect-error a task operation has no caller: its tenant is in its body
export const taskReadingCaller: TaskOperationFactory<Record<string, never>, Record<string, never>, { tenantId: string }, Record<string, unknown>> = () => async ({ caller }) => ({ body: { tenant: caller.tenantId } });
// @ts-expect-error neither has a webhook's
export const webhookReadingCaller: UnauthenticatedOperationFactory<Record<string, never>, Record<string, never>, undefined, Record<string, unknown>> = () => async ({ caller }) => ({ body: { tenant: caller.tenantId } });

const memberStyle: OperationFactory<Record<string, never>, Record<string, never>, { tenantId: string }, { tenant: string }> = () => async ({ caller }) => ({ body: { tenant: caller.tenantId } });
export const taskRowWithMemberOperation = [
  defineEndpoint({
    name: 'typed',
    method: 'POST',
    path: '/internal/typed',
    access: 'task',
    tag: 'test',
    summary: 'a task row',
    body: Body,
    response: z.object({ tenant: z.string() }),
    successStatus: 200,
    errors: [],
    // @ts-expect-error a task row takes a task operation, not one written for a member endpoint
    operation: async () => ({ default: memberStyle }),
  }),
] as AnyEndpoint[];

const PROJECT = 'demo-callers';
function fakeRequest(url: string, headers: Record<string, string>, body: unknown): Request {
  const lower = Object.fromEntries(Object.entries({ ...headers, 'content-type': 'application/json' }).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    method: 'POST',
    url,
    originalUrl: url,
    path: url,
    query: {},
    headers: lower,
    rawBody: Buffer.from(JSON.stringify(body)),
    body,
    protocol: 'http',
    socket: { remoteAddress: '10.1.2.3' },
    get: (name: string) => lower[name.toLowerCase()],
    is: (type: string) => (type === 'application/json' ? type : false),
  } as unknown as Request;
}
function fakeResponse() {
  const res = {
    statusCode: 200,
    body: '' as string,
    set: () => res,
    get: () => undefined,
    status(code: number) {
      res.statusCode = code;
      return res;
    },
    type: () => res,
    send(value: string) {
      res.body = value;
      return res;
    },
    end: () => res,
    on: () => res,
    once: () => res,
  };
  return res;
}

describe('who an operation is told called it', () => {
  const deps = createDeps(parseConfig({ GOOGLE_CLOUD_PROJECT: PROJECT, PLATFORM_ENV: 'local', PUBLIC_BASE_URL: 'http://127.0.0.1:1' }), {
    log: createLogger(),
    verifyTask: async () => ({ serviceAccount: 'tasks@demo.iam.gserviceaccount.com' }),
    verifyToken: async () => ({ uid: 'u1', tenantId: 't1', role: 'member' }) as never,
    db: async () => ({}) as never,
  });
  const seen: Record<string, string[]> = {};
  const row = (name: string, access: 'task' | 'webhook' | 'public'): AnyEndpoint => ({
    name,
    method: 'POST',
    path: `/x/${name}`,
    access,
    tag: 'test',
    summary: name,
    body: Body,
    response: z.any(),
    successStatus: 200,
    errors: [],
    operation: async () => ({
      default: () => async (input: object) => {
        seen[name] = Object.keys(input).filter((k) => k === 'caller' || k === 'task');
        return { body: {} };
      },
    }),
  });

  for (const [access, expected] of [
    ['task', ['task']],
    ['webhook', []],
    ['public', []],
  ] as const) {
    it(`gives a ${access} endpoint's operation ${expected.length ? expected.join(', ') : 'no caller'} — never a caller`, async () => {
      const fn = createHttpFunction(row(access, access), () => deps);
      const res = fakeResponse();
      await fn(fakeRequest(`/x/${access}`, { authorization: 'Bearer x.y.z', 'x-cloudtasks-taskretrycount': '2' }, { tenantId: 't9' }), res as unknown as Response);
      expect(res.statusCode, res.body).toBe(200);
      expect(seen[access]).toEqual(expected);
    });
  }
});
