import * as functions from '@google-cloud/functions-framework';
import { getDeps } from '../shared/deps.js';
import { installFrameworkErrorEnvelope } from '../shared/http/framework-errors.js';
import { createHttpFunction } from '../shared/http/handler.js';
import { createEventFunction } from '../shared/http/event-handler.js';
import { endpoints, eventFunctions } from './endpoints.js';

/**
 * Registers one functions-framework target per row of the endpoint table. Each
 * deployed function runs this same entry point with its own --target; an
 * operation's code is imported only when that function first serves a request.
 * The Pub/Sub functions are HTTP targets too: each is fed by a push subscription of
 * its own, whose OIDC token the function checks itself (a CloudEvent function never
 * sees the request's Authorization header).
 */
installFrameworkErrorEnvelope();
for (const endpoint of endpoints) {
  // A 405 names every method the table serves at the path (GET, PATCH and DELETE of /v1/numbers/{id}).
  const methods = endpoints.filter((e) => e.path === endpoint.path).map((e) => e.method);
  functions.http(endpoint.name, createHttpFunction(endpoint, getDeps, methods));
}
for (const definition of eventFunctions) {
  functions.http(definition.name, createEventFunction(definition, getDeps));
}

export const functionNames = [...endpoints, ...eventFunctions].map((e) => e.name);
