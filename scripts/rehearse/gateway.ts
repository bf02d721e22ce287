/**
 * The rehearsal's API Gateway: it serves the OpenAPI 2 document Terraform gives API Gateway
 * (templatefile rendered) as ESPv2 does:
 *
 * - routing by method and path template (literal segments before parameters); anything else is
 *   404 "The current request is not defined by this API.";
 * - JWT validation at the gateway for operations whose `security` names a securityDefinition with
 *   x-google-issuer / x-google-jwks_uri / x-google-audiences (401 otherwise; the claims reach the
 *   backend base64url-encoded in X-Apigateway-Api-Userinfo);
 * - x-google-backend: the address (a deployed function URL), path_translation (APPEND_PATH_TO_ADDRESS
 *   appends the request path; CONSTANT_ADDRESS, the default, sends path parameters as query
 *   parameters), deadline; backend authentication unless disable_auth is true: a Google-signed ID
 *   token of the gateway's service account (gateway_config.backend_config) for jwt_audience (default:
 *   the address) in Authorization, the caller's Authorization moved to X-Forwarded-Authorization.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { listen, readBody, type Google, type Listening } from './google.js';
import type { RenderedGateway } from './render.js';

export interface Route {
  method: string;
  template: string;
  operationId: string;
  match: (path: string) => Record<string, string> | undefined;
  literalSegments: number;
  backend: { address: string; pathTranslation: string; jwtAudience?: string; disableAuth: boolean; deadlineSeconds: number };
  security: { name: string; issuer?: string; jwksUri?: string; audiences?: string[] }[] | undefined;
}

export interface GatewayOptions {
  gateway: RenderedGateway;
  google: Google;
  /** Where a deployed backend URL is served here (the rehearsal's Cloud Run front). */
  localUrl(url: string): string | undefined;
  log(line: string): void;
  onBackendMissing(message: string): void;
}

function matcher(template: string): (path: string) => Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, (_m, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  const re = new RegExp(`^${pattern}$`);
  return (path) => {
    const m = re.exec(path);
    if (!m) return undefined;
    return Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
  };
}

/** A scalar setting of the document as text; anything else (an object, a list) is no such setting. */
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined);

export function gatewayRoutes(gateway: RenderedGateway): Route[] {
  const doc = gateway.document;
  const defaultBackend = doc['x-google-backend'] as Record<string, unknown> | undefined;
  const definitions = (doc.securityDefinitions ?? {}) as Record<string, Record<string, unknown>>;
  const routes: Route[] = [];
  for (const [template, ops] of Object.entries((doc.paths ?? {}) as Record<string, Record<string, Record<string, unknown>>>)) {
    for (const [method, op] of Object.entries(ops)) {
      if (!['get', 'put', 'post', 'delete', 'patch', 'head', 'options'].includes(method)) continue;
      const backend = (op['x-google-backend'] ?? defaultBackend) as Record<string, unknown> | undefined;
      const security = (op.security ?? doc.security) as Record<string, unknown>[] | undefined;
      routes.push({
        method: method.toUpperCase(),
        template,
        operationId: text(op.operationId) ?? `${method} ${template}`,
        match: matcher(template),
        literalSegments: template.split('/').filter((s) => s && !s.includes('{')).length,
        backend: {
          address: text(backend?.address) ?? '',
          pathTranslation: text(backend?.path_translation) ?? 'CONSTANT_ADDRESS',
          ...(backend?.jwt_audience ? { jwtAudience: text(backend.jwt_audience) } : {}),
          disableAuth: backend?.disable_auth === true,
          deadlineSeconds: Number(backend?.deadline ?? 15),
        },
        security: security?.flatMap((requirement) =>
          Object.keys(requirement).map((name) => {
            const d = definitions[name] ?? {};
            return {
              name,
              ...(d['x-google-issuer'] ? { issuer: text(d['x-google-issuer']) } : {}),
              ...(d['x-google-jwks_uri'] ? { jwksUri: text(d['x-google-jwks_uri']) } : {}),
              ...(d['x-google-audiences'] ? { audiences: (text(d['x-google-audiences']) ?? '').split(',').map((a) => a.trim()) } : {}),
            };
          }),
        ),
      });
    }
  }
  // Literal segments win over parameters (/v1/numbers/available before /v1/numbers/{id}).
  return routes.sort((a, b) => b.literalSegments - a.literalSegments || a.template.split('/').length - b.template.split('/').length);
}

const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host', 'content-length']);

export async function startRehearsalGateway(options: GatewayOptions): Promise<Listening & { routes: Route[] }> {
  const routes = gatewayRoutes(options.gateway);
  const notDefined = (res: ServerResponse, status = 404, message = 'The current request is not defined by this API.') => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ code: status, message }));
  };
  const server = await listen((req, res) => void handle(req, res));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway');
    const candidates = routes.filter((r) => r.match(url.pathname));
    const route = candidates.find((r) => r.method === req.method);
    if (!route) return notDefined(res);
    const params = route.match(url.pathname)!;
    const body = await readBody(req);

    // JWT validation at the gateway (securityDefinitions), when the operation asks for it.
    let userinfo: string | undefined;
    if (route.security?.length) {
      const token = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
      if (!token) return notDefined(res, 401, 'Jwt is missing');
      let ok = false;
      for (const rule of route.security) {
        const jwks = rule.jwksUri ? options.google.jwksUrlFor(rule.jwksUri) : undefined;
        if (!jwks) continue;
        try {
          const keys = jwks.endsWith('/securetoken') ? options.google.securetokenJwks() : options.google.oidcJwks();
          decodeProtectedHeader(token);
          const { payload } = await jwtVerify(token, createLocalJWKSet(keys), { ...(rule.issuer ? { issuer: rule.issuer } : {}), ...(rule.audiences ? { audience: rule.audiences } : {}) });
          userinfo = Buffer.from(JSON.stringify(payload)).toString('base64url');
          ok = true;
          break;
        } catch {
          // next rule
        }
      }
      if (!ok) return notDefined(res, 401, 'Jwt verification fails');
    }

    const { backend } = route;
    let target: string;
    if (backend.pathTranslation === 'APPEND_PATH_TO_ADDRESS') target = `${backend.address.replace(/\/$/, '')}${url.pathname}${url.search}`;
    else {
      const query = new URLSearchParams(url.search);
      for (const [k, v] of Object.entries(params)) query.set(k, v);
      const q = query.toString();
      target = `${backend.address}${q ? `?${q}` : ''}`;
    }
    const local = options.localUrl(target);
    if (!local) {
      options.onBackendMissing(`the gateway routes ${route.method} ${route.template} (${route.operationId}) to ${backend.address}, which is no deployed function`);
      return notDefined(res, 503, 'upstream connect error or disconnect/reset before headers. reset reason: connection failure');
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (HOP.has(k) || v === undefined) continue;
      if (k === 'x-apigateway-api-userinfo' || k === 'x-forwarded-authorization') continue; // never from the caller
      headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    if (userinfo) headers['x-apigateway-api-userinfo'] = userinfo;
    if (!backend.disableAuth) {
      if (!options.gateway.serviceAccount) {
        options.onBackendMissing('the gateway authenticates to its backends but has no service account (gateway_config.backend_config.google_service_account)');
      } else {
        if (req.headers.authorization) headers['x-forwarded-authorization'] = String(req.headers.authorization);
        headers.authorization = `Bearer ${await options.google.oidcToken(options.gateway.serviceAccount, backend.jwtAudience ?? backend.address)}`;
      }
    }
    headers['x-forwarded-for'] = req.socket.remoteAddress ?? '127.0.0.1';
    headers['x-forwarded-proto'] = 'https';
    headers['x-cloud-trace-context'] ??= `${Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('hex')}/1;o=1`;
    try {
      const answer = await fetch(local, {
        method: req.method ?? 'GET',
        headers,
        ...(body.length ? { body: new Uint8Array(body) } : {}),
        redirect: 'manual',
        signal: AbortSignal.timeout(backend.deadlineSeconds * 1000),
      });
      const out = Buffer.from(await answer.arrayBuffer());
      const responseHeaders: Record<string, string> = {};
      answer.headers.forEach((value, key) => {
        if (!HOP.has(key) && key !== 'content-encoding') responseHeaders[key] = value;
      });
      res.writeHead(answer.status, responseHeaders);
      res.end(out);
    } catch (err) {
      const timeout = (err as Error).name === 'TimeoutError';
      notDefined(res, timeout ? 504 : 503, timeout ? 'upstream request timeout' : `upstream connect error: ${String(err)}`);
    }
  }

  return { ...server, routes };
}
