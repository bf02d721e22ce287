/**
 * Issue 14: behind API Gateway the function receives the gateway's own ID token in Authorization and
 * the caller's Firebase ID token in X-Forwarded-Authorization. Production reads the caller's token
 * there (and only there); elsewhere it stays in Authorization. The local gateway rewrites the same way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { http as registerHttp } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { z } from 'zod';
import { defineEndpoint } from '../../shared/api/endpoint.js';
import { parseConfig, type Config } from '../../shared/config.js';
import { callerAuthorization, type Caller } from '../../shared/auth/verify-token.js';
import type { Deps } from '../../shared/deps.js';
import { AppError } from '../../shared/http/errors.js';
import { createHttpFunction } from '../../shared/http/handler.js';
import { forwardAsGateway } from '../../scripts/local/gateway.js';

const production = parseConfig({
  GOOGLE_CLOUD_PROJECT: 'acme-prod',
  PLATFORM_ENV: 'production',
  TASKS_SERVICE_ACCOUNT: 'numbers-tasks@acme-prod.iam.gserviceaccount.com',
  PUBSUB_PUSH_SERVICE_ACCOUNT: 'numbers-pubsub-push@acme-prod.iam.gserviceaccount.com',
  FUNCTIONS_BASE_URL: 'https://us-central1-acme-prod.cloudfunctions.net',
});
const local = parseConfig({ GOOGLE_CLOUD_PROJECT: 'demo-x', PLATFORM_ENV: 'local' });

const whoAmI = defineEndpoint({
  name: 'gatewayAuthProbe',
  method: 'GET',
  path: '/v1/probe',
  access: 'member',
  tag: 'test',
  summary: 'answers with the verified caller',
  response: z.object({ uid: z.string() }),
  successStatus: 200,
  errors: [],
  operation: async () => ({ default: () => async ({ caller }: { caller: Caller }) => ({ body: { uid: caller.uid } }) }),
});

/** A verifier that knows two Firebase tokens; the gateway's own token is not one of them. */
const seen: string[] = [];
const verifyToken = async (token: string): Promise<Caller> => {
  seen.push(token);
  if (token === 'firebase-alice') return { uid: 'alice', tenantId: 't1', role: 'member' };
  throw new AppError('UNAUTHENTICATED', 'Token signature is not valid');
};
const noTenantLimits = { doc: () => ({ get: async () => ({ get: () => undefined }) }) };
const deps = (config: Config) => ({ config, log: silent, verifyToken, db: async () => noTenantLimits }) as unknown as Deps;
const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent };

const servers: Server[] = [];
async function serve(config: Config): Promise<string> {
  const name = `gatewayAuthProbe${servers.length}`;
  registerHttp(name, createHttpFunction(whoAmI, () => deps(config)));
  const server = getTestServer(name);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/probe`;
}
afterAll(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));

describe('where the caller’s token is read', () => {
  let prodUrl: string;
  let localUrl: string;
  beforeAll(async () => {
    prodUrl = await serve(production);
    localUrl = await serve(local);
  });

  it('production (behind API Gateway): X-Forwarded-Authorization, not the gateway’s Authorization', async () => {
    seen.length = 0;
    const res = await fetch(prodUrl, { headers: { authorization: 'Bearer gateway-id-token', 'x-forwarded-authorization': 'Bearer firebase-alice' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ uid: 'alice' });
    expect(seen).toEqual(['firebase-alice']); // the gateway's token was never taken for the caller's
  });

  it('production: a Firebase token in Authorization alone is not the caller’s (no gateway, no caller)', async () => {
    seen.length = 0;
    const res = await fetch(prodUrl, { headers: { authorization: 'Bearer firebase-alice' } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/Missing Authorization header/);
    expect(seen).toEqual([]);
  });

  it('production: the gateway’s token is not accepted as a caller token when the caller sent none', async () => {
    const res = await fetch(prodUrl, { headers: { authorization: 'Bearer gateway-id-token', 'x-forwarded-authorization': 'Bearer gateway-id-token' } });
    expect(res.status).toBe(401);
  });

  it('anywhere else: Authorization, and X-Forwarded-Authorization is ignored', async () => {
    seen.length = 0;
    expect((await fetch(localUrl, { headers: { authorization: 'Bearer firebase-alice' } })).status).toBe(200);
    expect((await fetch(localUrl, { headers: { 'x-forwarded-authorization': 'Bearer firebase-alice' } })).status).toBe(401);
    expect(seen).toEqual(['firebase-alice']);
  });

  it('callerAuthorization picks the header by mode', () => {
    const headers: Record<string, string> = { authorization: 'Bearer g', 'x-forwarded-authorization': 'Bearer c' };
    expect(callerAuthorization((h) => headers[h], true)).toBe('Bearer c');
    expect(callerAuthorization((h) => headers[h], false)).toBe('Bearer g');
  });
});

describe('AUTH_VIA_GATEWAY', () => {
  it('is on in production by default and cannot be turned off there; off elsewhere unless asked for', () => {
    expect(production.authViaGateway).toBe(true);
    expect(local.authViaGateway).toBe(false);
    expect(parseConfig({ GOOGLE_CLOUD_PROJECT: 'demo-x', PLATFORM_ENV: 'local', AUTH_VIA_GATEWAY: 'true' }).authViaGateway).toBe(true);
    expect(() =>
      parseConfig({
        GOOGLE_CLOUD_PROJECT: 'acme-prod',
        PLATFORM_ENV: 'production',
        TASKS_SERVICE_ACCOUNT: 'numbers-tasks@acme-prod.iam.gserviceaccount.com',
        PUBSUB_PUSH_SERVICE_ACCOUNT: 'numbers-pubsub-push@acme-prod.iam.gserviceaccount.com',
        FUNCTIONS_BASE_URL: 'https://us-central1-acme-prod.cloudfunctions.net',
        AUTH_VIA_GATEWAY: 'false',
      }),
    ).toThrow(/AUTH_VIA_GATEWAY/);
  });

  it('treats an empty value as unset (Terraform passes optional settings left blank as "")', () => {
    const config = parseConfig({ GOOGLE_CLOUD_PROJECT: 'p', PLATFORM_ENV: 'local', TELNYX_PUBLIC_KEY: '', PROVIDER_RATE_LIMIT_TWILIO: '', SOMOS_DEFAULT_RESPORG_ID: '', AUTH_PROJECT_ID: '' });
    expect(config.TELNYX_PUBLIC_KEY).toBeUndefined();
    expect(config.PROVIDER_RATE_LIMIT_TWILIO).toBeUndefined();
    expect(config.authProjectId).toBe('p');
  });
});

describe('the local gateway', () => {
  it('moves the caller’s Authorization to X-Forwarded-Authorization and sends its own token, as API Gateway does', () => {
    const headers: Record<string, string | string[] | undefined> = { authorization: 'Bearer firebase-alice', host: 'x' };
    forwardAsGateway(headers, 'gw-token');
    expect(headers).toEqual({ authorization: 'Bearer gw-token', 'x-forwarded-authorization': 'Bearer firebase-alice', host: 'x' });
    const anonymous: Record<string, string | undefined> = {};
    forwardAsGateway(anonymous, 'gw-token');
    expect(anonymous).toEqual({ authorization: 'Bearer gw-token' });
  });
});

describe('the URL a provider signed, behind the gateway', () => {
  it('is the endpoint’s public path (and query) whatever prefix the function sees', async () => {
    const { publicPath } = await import('../../shared/api/endpoint.js');
    const { inboundPath } = await import('../../modules/inbound/services/relay.js');
    const path = inboundPath('twilio');
    expect(path).toBe('/webhooks/twilio/inbound');
    // The gateway calls <functions base>/webhookTwilioInbound with the path appended.
    expect(publicPath('/webhookTwilioInbound/webhooks/twilio/inbound?a=1&b=2', path)).toBe('/webhooks/twilio/inbound?a=1&b=2');
    expect(publicPath('/webhooks/twilio/inbound?a=1', path)).toBe('/webhooks/twilio/inbound?a=1');
    expect(publicPath('/webhooks/twilio/inbound/', path)).toBe('/webhooks/twilio/inbound/');
    expect(publicPath('/webhookPlivoInbound/webhooks/plivo/inbound/', inboundPath('plivo'))).toBe('/webhooks/plivo/inbound/');
    expect(publicPath('/v1/x', '/v1/numbers/{id}')).toBe('/v1/x');
  });

  it('every inbound webhook row of the endpoint table is at inboundPath(provider)', async () => {
    const { endpoints } = await import('../../functions/endpoints.js');
    const { inboundPath } = await import('../../modules/inbound/services/relay.js');
    for (const provider of ['twilio', 'plivo', 'telnyx'] as const) {
      expect(endpoints.find((e) => e.path === inboundPath(provider))?.access, provider).toBe('webhook');
    }
  });
});
