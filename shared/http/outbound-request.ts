/**
 * Connect-time guard for requests to tenant URLs (relayed inbound messages, job callbacks). Every
 * such request goes through an undici Agent whose connector
 *   - refuses a literal IP host in a refused range (net.connect does no lookup for those), and
 *   - resolves names itself (the `lookup` connect option) and refuses the connection when any
 *     address the name resolves to is in a refused range,
 * so a name that looked public when it was stored — or that is re-pointed at 169.254.169.254 or
 * 127.0.0.1 afterwards (DNS rebinding) — is never connected to. The ranges are those of
 * refusedAddress (shared/http/outbound-url.ts).
 *
 * What a tenant is shown of an attempt is a coarse outcome (OutboundOutcome), never the error's
 * text: that would turn delivery records into a scanner of whatever the platform can reach. The
 * detail is for server logs only.
 *
 * undici is loaded on first use, not at import (cold start).
 */
import type { LookupAddress, LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import type { Dispatcher } from 'undici';
import { outboundUrlProblem, refusedAddress, type OutboundPolicy } from './outbound-url.js';

export const outboundOutcomes = [
  'http_2xx',
  'http_3xx',
  'http_4xx',
  'http_5xx',
  'refused_url',
  'refused_address',
  'dns_failed',
  'connect_failed',
  'tls_error',
  'timeout',
  'protocol_error',
  'failed',
] as const;
/** What became of one request to a tenant URL, coarse enough to show the tenant. */
export type OutboundOutcome = (typeof outboundOutcomes)[number];

/** One request to a tenant URL as recorded: `status` 0 when no HTTP answer came. */
export interface OutboundAttempt {
  status: number;
  outcome: OutboundOutcome;
  /** Server logs only (may name internal addresses): never stored where a tenant can read it. */
  detail?: string;
}

/** Raised (to undici, from the connector) when a tenant URL's host is or resolves to a refused address. */
export class RefusedAddressError extends Error {
  readonly code = 'ERR_OUTBOUND_REFUSED_ADDRESS';
  constructor(
    readonly host: string,
    readonly address: string,
    readonly range: string,
  ) {
    super(`refused to connect to ${host} (${address}: ${range})`);
    this.name = 'RefusedAddressError';
  }
}

/** All addresses of a name (dns.lookup semantics: /etc/hosts, then DNS). Tests inject their own. */
export type Resolver = (hostname: string, family: 0 | 4 | 6) => Promise<LookupAddress[]>;

const systemResolver: Resolver = async (hostname, family) => {
  const { lookup } = await import('node:dns/promises');
  return lookup(hostname, { all: true, family });
};

/** A net/tls `lookup` that resolves through `resolve` and refuses names with any refused address. */
export function guardedLookup(policy: OutboundPolicy, resolve: Resolver = systemResolver): LookupFunction {
  return (hostname: string, options: LookupOptions, callback) => {
    const family = options.family === 4 || options.family === 'IPv4' ? 4 : options.family === 6 || options.family === 'IPv6' ? 6 : 0;
    resolve(hostname, family).then(
      (addresses) => {
        if (addresses.length === 0) {
          callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND', hostname }), '', 0);
          return;
        }
        for (const { address } of addresses) {
          const range = refusedAddress(address, policy);
          if (range) {
            callback(new RefusedAddressError(hostname, address, range), '', 0);
            return;
          }
        }
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

export interface GuardedDispatcherOptions {
  policy: OutboundPolicy;
  resolve?: Resolver;
  /** TCP + TLS handshake deadline (ms). */
  connectTimeoutMs?: number;
}

/** An undici Agent that connects only to addresses the policy allows (see the file comment). */
export async function createGuardedDispatcher({ policy, resolve, connectTimeoutMs = 10_000 }: GuardedDispatcherOptions): Promise<Dispatcher> {
  const { Agent, buildConnector } = await import('undici');
  const connector = buildConnector({ lookup: guardedLookup(policy, resolve), timeout: connectTimeoutMs });
  const connect: typeof connector = (options, callback) => {
    const host = options.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) {
      const range = refusedAddress(host, policy);
      if (range) {
        callback(new RefusedAddressError(host, host, range), null);
        return;
      }
    }
    connector(options, callback);
  };
  // Keep-alive sockets are not re-resolved: a connection is only ever opened to an address checked here.
  return new Agent({ connect, keepAliveTimeout: 4_000, keepAliveMaxTimeout: 30_000 });
}

const shared = new Map<boolean, Promise<Dispatcher>>();
const sharedDispatcher = (policy: OutboundPolicy) => {
  let dispatcher = shared.get(policy.allowLoopback);
  if (!dispatcher) {
    dispatcher = createGuardedDispatcher({ policy: { allowLoopback: policy.allowLoopback } });
    shared.set(policy.allowLoopback, dispatcher);
  }
  return dispatcher;
};

export interface TenantPost {
  headers: Record<string, string>;
  body: string;
  /** Per-phase deadline (headers, then body), ms. */
  timeoutMs?: number;
  /** Tests: a dispatcher of their own (e.g. with a fake resolver). */
  dispatcher?: Dispatcher;
}

/**
 * POSTs to a tenant URL through the guard. Never throws: the answer's status (0 without one), its
 * coarse outcome, and (for logs only) what went wrong.
 */
export async function postToTenantUrl(policy: OutboundPolicy, url: string, post: TenantPost): Promise<OutboundAttempt> {
  const problem = outboundUrlProblem(url, policy); // a URL stored before today's rules, or edited around the API
  if (problem) return { status: 0, outcome: problem.kind === 'address' ? 'refused_address' : 'refused_url', detail: problem.message };
  try {
    const { request } = await import('undici');
    const res = await request(url, {
      method: 'POST',
      headers: post.headers,
      body: post.body,
      headersTimeout: post.timeoutMs ?? 10_000,
      bodyTimeout: post.timeoutMs ?? 10_000,
      dispatcher: post.dispatcher ?? (await sharedDispatcher(policy)),
    });
    await res.body.dump();
    return { status: res.statusCode, outcome: outcomeOfStatus(res.statusCode) };
  } catch (err) {
    return { status: 0, outcome: outcomeOfError(err), detail: err instanceof Error ? `${(err as NodeJS.ErrnoException).code ?? err.name}: ${err.message}` : String(err) };
  }
}

export function outcomeOfStatus(status: number): OutboundOutcome {
  if (status >= 200 && status < 300) return 'http_2xx';
  if (status >= 300 && status < 400) return 'http_3xx';
  if (status >= 400 && status < 500) return 'http_4xx';
  if (status >= 500 && status < 600) return 'http_5xx';
  return 'failed';
}

const TIMEOUT = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT', 'ABORT_ERR', 'ERR_SOCKET_CONNECTION_TIMEOUT']);
const DNS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA', 'ENODATA', 'ESERVFAIL', 'ENOTIMP', 'EREFUSED']);
const CONNECT = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EHOSTUNREACH', 'EHOSTDOWN', 'ENETUNREACH', 'ENETDOWN', 'EPIPE', 'EADDRNOTAVAIL', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const TLS = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|EPROTO$|ERR_OSSL_)/;

/** The coarse outcome of a failed request (its error, its cause, or the errors it aggregates). */
export function outcomeOfError(err: unknown, depth = 0): OutboundOutcome {
  if (!err || typeof err !== 'object' || depth > 4) return 'failed';
  if (err instanceof RefusedAddressError) return 'refused_address';
  const { code, name } = err as { code?: unknown; name?: unknown };
  if (code === 'ERR_OUTBOUND_REFUSED_ADDRESS') return 'refused_address';
  if (typeof code === 'string') {
    if (TIMEOUT.has(code)) return 'timeout';
    if (DNS.has(code)) return 'dns_failed';
    if (TLS.test(code)) return 'tls_error';
    if (CONNECT.has(code)) return 'connect_failed';
    if (code.startsWith('HPE_') || code === 'UND_ERR_RESPONSE_EXCEEDED_MAX_SIZE' || code === 'UND_ERR_INFO') return 'protocol_error';
  }
  if (name === 'TimeoutError' || name === 'ConnectTimeoutError' || name === 'HeadersTimeoutError' || name === 'BodyTimeoutError') return 'timeout';
  const aggregated: unknown[] = err instanceof AggregateError ? err.errors : [];
  const nested = [(err as { cause?: unknown }).cause, ...aggregated];
  for (const inner of nested) {
    const outcome = outcomeOfError(inner, depth + 1);
    if (outcome !== 'failed') return outcome;
  }
  return 'failed';
}
