import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { pathMatcher } from '../../shared/api/endpoint.js';
import { AppError, envelope } from '../../shared/http/errors.js';
import { allowHeader } from '../../shared/http/handler.js';
import { allowedOrigin, isPreflight, setCorsHeaders } from '../../shared/http/cors.js';
import { getConfig } from '../../shared/config.js';
import { endpoints, eventFunctions } from '../../functions/endpoints.js';
import '../../functions/index.js'; // registers every function target
import { currentDocs } from '../docs.js';

/**
 * The local stand-in for the API gateway: it routes by the endpoint table and hands
 * the request to that function's own functions-framework server, so each function
 * runs behind exactly the middleware it has when deployed.
 */
export interface Gateway {
  url: string;
  close(): Promise<void>;
}

// Literal paths win over templated ones (/v1/numbers/available before /v1/numbers/{id}).
const routes = [...endpoints]
  .sort((a, b) => (a.path.match(/\{/g)?.length ?? 0) - (b.path.match(/\{/g)?.length ?? 0))
  .map((endpoint) => ({ endpoint, match: pathMatcher(endpoint.path, true), server: getTestServer(endpoint.name) }));

/**
 * Pub/Sub pushes arrive at /pubsub/<function> (in production Pub/Sub pushes to each function's own
 * URL). The function itself refuses a push without the push subscription's OIDC token (401): the
 * emulator's pushes get theirs from the stack's push relay (scripts/local/pubsub-setup.ts).
 */
const pushRoutes = new Map(eventFunctions.map((fn) => [fn.name, getTestServer(fn.name)]));
const pushTarget = (path: string) => (path.startsWith('/pubsub/') ? pushRoutes.get(path.split('/')[2] ?? '') : undefined);

/**
 * What API Gateway does to a request for a routed function (x-google-backend with a jwt_audience): the
 * caller's Authorization header moves to X-Forwarded-Authorization and the gateway's own ID token,
 * addressed to the function, takes its place. Deployed, Cloud Run checks that token (only the gateway's
 * service account may invoke); here nothing does, but the function reads the caller's token from where
 * it will be found in production (AUTH_VIA_GATEWAY, shared/auth/verify-token.ts).
 */
export function forwardAsGateway(headers: IncomingHttpHeaders, gatewayToken: string): void {
  if (headers.authorization !== undefined) headers['x-forwarded-authorization'] = headers.authorization;
  headers.authorization = `Bearer ${gatewayToken}`;
}

export interface GatewayOptions {
  port: number;
  host?: string;
  /**
   * Behave like the deployed gateway for routed (non-task) functions: forwardAsGateway() with a token
   * from here. Task targets are not behind the deployed gateway (Cloud Tasks calls them directly), so
   * their requests pass unchanged, as do Pub/Sub pushes.
   */
  gatewayToken?: (audience: string) => Promise<string>;
}

/** The gateway's own answers (no route) carry CORS headers for an allowed origin, as the functions' do. */
function gatewayCors(origin: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  const allowed = allowedOrigin(origin, getConfig().CORS_ORIGINS);
  if (allowed) setCorsHeaders((name, value) => (headers[name] = value), allowed);
  return headers;
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  let docs: Promise<string> | undefined;
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://gateway').pathname;
    // The API reference (scripts/docs.ts), no auth like /v1/openapi.json; deployed, Firebase Hosting serves it.
    if ((path === '/docs' || path === '/docs/') && (req.method === 'GET' || req.method === 'HEAD')) {
      docs ??= currentDocs();
      docs.then(
        (html) => {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' });
          res.end(req.method === 'HEAD' ? undefined : html);
        },
        (err: unknown) => {
          docs = undefined; // the next request tries again
          res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
          res.end(`the API reference could not be built: ${String(err)}`);
        },
      );
      req.resume();
      return;
    }
    const push = pushTarget(path);
    if (push) {
      push.emit('request', req, res);
      return;
    }
    const candidates = routes.filter((route) => route.match(path));
    // A CORS preflight goes to a function of its path (each answers for all the path's methods), as the
    // deployed gateway's OPTIONS operation of the path does.
    const route =
      candidates.find((r) => r.endpoint.method === req.method || (req.method === 'HEAD' && r.endpoint.method === 'GET')) ??
      (isPreflight(req.method, req.headers['access-control-request-method']) ? candidates[0] : undefined);
    if (!route) {
      // A path served with other methods is a 405 naming all of them (as API Gateway routes by method and path).
      const requestId = randomUUID();
      const allow = candidates.length ? allowHeader(candidates.map((c) => c.endpoint.method)) : undefined;
      const error = allow
        ? new AppError('METHOD_NOT_ALLOWED', `${req.method} is not allowed here; use ${allow}`)
        : new AppError('NOT_FOUND', `No endpoint at ${path}`);
      res.writeHead(error.status, { 'content-type': 'application/json; charset=utf-8', 'x-request-id': requestId, 'cache-control': 'no-store', ...(allow ? { allow } : {}), ...gatewayCors(req.headers.origin) });
      res.end(JSON.stringify(envelope(error, requestId)));
      req.resume(); // an unread body would hold the connection
      return;
    }
    if (!options.gatewayToken || route.endpoint.access === 'task') {
      route.server.emit('request', req, res);
      return;
    }
    // The body stays unread (paused) while the token is minted.
    options.gatewayToken(`http://gateway/${route.endpoint.name}`).then(
      (token) => {
        forwardAsGateway(req.headers, token);
        route.server.emit('request', req, res);
      },
      (err: unknown) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`gateway could not mint its token: ${String(err)}`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
