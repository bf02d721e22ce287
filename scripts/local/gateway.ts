import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { pathMatcher } from '../../shared/api/endpoint.js';
import { AppError, envelope } from '../../shared/http/errors.js';
import { endpoints, eventFunctions } from '../../functions/endpoints.js';
import '../../functions/index.js'; // registers every function target

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

export async function startGateway(options: { port: number; host?: string }): Promise<Gateway> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://gateway').pathname;
    const push = pushTarget(path);
    if (push) {
      push.emit('request', req, res);
      return;
    }
    const candidates = routes.filter((route) => route.match(path));
    const route = candidates.find((r) => r.endpoint.method === req.method || (req.method === 'HEAD' && r.endpoint.method === 'GET')) ?? candidates[0];
    if (!route) {
      const requestId = randomUUID();
      res.writeHead(404, { 'content-type': 'application/json; charset=utf-8', 'x-request-id': requestId });
      res.end(JSON.stringify(envelope(new AppError('NOT_FOUND', `No endpoint at ${path}`), requestId)));
      return;
    }
    route.server.emit('request', req, res);
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
