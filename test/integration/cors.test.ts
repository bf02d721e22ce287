import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack } from '../helpers/stack.js';
import type { Stack } from '../../scripts/local/stack.js';

// Issue 16: browser clients. The dev stack allows its console's origins by default (DEV_CORS_ORIGINS);
// CORS_ORIGINS names others (comma-separated), and no one else gets CORS headers.
let stack: Stack;
let token: string;
const CONSOLE = 'http://localhost:5173';

beforeAll(async () => {
  delete process.env.CORS_ORIGINS; // the dev stack's default
  stack = await startTestStack('demo-cors');
  token = await stack.token('cors-tenant', 'admin', 'web');
});
afterAll(async () => {
  await stack?.stop();
});

const preflight = (path: string, origin: string, method = 'PATCH') =>
  fetch(`${stack.url}${path}`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, content-type, idempotency-key' },
  });

describe('CORS for the API', () => {
  it('answers an allowed origin’s preflight with 204, the path’s methods, the headers the API reads and a max age', async () => {
    const res = await preflight('/v1/numbers/num_0123456789abcdef0123', CONSOLE);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(CONSOLE);
    expect(res.headers.get('vary')).toMatch(/Origin/);
    expect(res.headers.get('access-control-allow-methods')!.split(', ').sort()).toEqual(['DELETE', 'GET', 'PATCH']);
    expect(res.headers.get('access-control-allow-headers')).toBe('authorization, content-type, idempotency-key, x-request-id');
    expect(Number(res.headers.get('access-control-max-age'))).toBeGreaterThan(0);
    const list = await preflight('/v1/numbers', 'http://127.0.0.1:5173', 'POST');
    expect(list.status).toBe(204);
    expect(list.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:5173');
    expect(list.headers.get('access-control-allow-methods')!.split(', ').sort()).toEqual(['GET', 'POST']);
  });

  it('puts Allow-Origin and the exposed headers on actual answers, errors included', async () => {
    const ok = await fetch(`${stack.url}/v1/numbers`, { headers: { origin: CONSOLE, authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(CONSOLE);
    expect(ok.headers.get('access-control-expose-headers')).toBe('x-request-id, idempotent-replayed, retry-after, location');
    const unauthenticated = await fetch(`${stack.url}/v1/numbers`, { headers: { origin: CONSOLE } });
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get('access-control-allow-origin')).toBe(CONSOLE);
    const unknownPath = await fetch(`${stack.url}/v1/nowhere`, { headers: { origin: CONSOLE } });
    expect(unknownPath.status).toBe(404);
    expect(unknownPath.headers.get('access-control-allow-origin')).toBe(CONSOLE);
  });

  it('gives another origin no CORS headers, on preflights and answers alike', async () => {
    const res = await preflight('/v1/numbers', 'https://evil.example.com', 'POST');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-methods')).toBeNull();
    const get = await fetch(`${stack.url}/v1/numbers`, { headers: { origin: 'https://evil.example.com', authorization: `Bearer ${token}` } });
    expect(get.status).toBe(200);
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
    expect(get.headers.get('access-control-expose-headers')).toBeNull();
  });

  it('gives provider webhooks no CORS headers', async () => {
    const res = await fetch(`${stack.url}/webhooks/twilio/inbound`, { method: 'POST', headers: { origin: CONSOLE, 'content-type': 'application/x-www-form-urlencoded' }, body: 'To=%2B14155550100' });
    expect(res.status).toBe(401);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});
