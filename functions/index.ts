import '../shared/zod-jitless.js';
import { serveEndpoint, serveEventFunction } from './entry.js';
import { endpoints, eventFunctions, methodsAt } from './endpoints.js';

/**
 * Every function of the table in one process: the local stack, the tests and the bench's reference.
 * Deployed, each function starts from its own entry instead (functions/entries/<name>.ts, bundled
 * by scripts/build-functions.ts), which registers its target alone and loads its own row only; an
 * operation's code is imported only when that function first serves a request.
 * The Pub/Sub functions are HTTP targets too: each is fed by a push subscription of its own,
 * whose OIDC token the function checks itself (a CloudEvent function never sees the request's
 * Authorization header).
 */
for (const endpoint of endpoints) {
  // A 405 names every method the table serves at the path (GET, PATCH and DELETE of /v1/numbers/{id}).
  serveEndpoint(endpoint, { allowedMethods: methodsAt(endpoint.path) });
}
for (const definition of eventFunctions) serveEventFunction(definition);

export const functionNames = [...endpoints, ...eventFunctions].map((e) => e.name);
