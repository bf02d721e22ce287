import type ipaddr from 'ipaddr.js';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import type { Config } from '../config.js';
import { AppError } from './errors.js';

/**
 * The outbound policy for every URL a tenant gives us (number webhooks, job callbacks, toll-free
 * SMS webhooks, Vapi server URLs): https to a public host only — never loopback, private,
 * link-local, CGNAT, multicast, reserved or metadata addresses, in any spelling (IPv4-mapped,
 * NAT64, 6to4 and IPv4-compatible IPv6 are judged by the IPv4 address they carry).
 *
 * Two layers use it: input validation (400 naming the field, see outboundUrlProblem) and the
 * connect-time guard of shared/http/outbound-request.ts, which judges the addresses a name
 * resolves to when the request is made (so DNS rebinding cannot get past it).
 *
 * Loopback (and plain http to loopback) is allowed only when OUTBOUND_ALLOW_LOOPBACK is set, which
 * the configuration refuses in production: the dev stack and tests deliver to 127.0.0.1 receivers.
 */
export interface OutboundPolicy {
  /** 127.0.0.0/8, ::1 and `localhost` may be called, over http too. Never in production. */
  allowLoopback: boolean;
}

// ipaddr.js (address ranges) is loaded when the first IP address is judged, not at import: every
// function imports the API schemas, few ever look at an address (cold start).
let ipaddrModule: typeof ipaddr | undefined;
const ip = (): typeof ipaddr => (ipaddrModule ??= createRequire(import.meta.url)('ipaddr.js') as typeof ipaddr);

/** Production's policy; also what tenant URLs validated without configuration (schemas) are held to. */
export const STRICT_OUTBOUND_POLICY: OutboundPolicy = Object.freeze({ allowLoopback: false });

export function outboundPolicy(config: Pick<Config, 'PLATFORM_ENV' | 'OUTBOUND_ALLOW_LOOPBACK'>): OutboundPolicy {
  return { allowLoopback: config.PLATFORM_ENV !== 'production' && config.OUTBOUND_ALLOW_LOOPBACK === true };
}

/**
 * Why an IP address may not be called — the name of its range ('private', 'loopback', 'linkLocal',
 * 'carrierGradeNat', 'reserved', 'uniqueLocal', …; an embedded IPv4 address is named by its own
 * range) — or undefined for a public unicast address. Anything that is not an IP address is refused.
 */
export function refusedAddress(address: string, policy: OutboundPolicy = STRICT_OUTBOUND_POLICY): string | undefined {
  const text = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (text.includes('%')) return 'linkLocal'; // a zone id: only meaningful for link-local addresses
  const family = isIP(text); // strict dotted-quad / RFC 4291 forms only (ipaddr.js alone would take "127.1")
  if (family === 0) return 'invalid';
  if (family === 4) return ipv4Refusal(ip().IPv4.parse(text), policy);
  const v6 = ip().IPv6.parse(text);
  const embedded = embeddedIPv4(v6);
  if (embedded === 'refuse') return v6.range();
  if (embedded) return ipv4Refusal(embedded, policy);
  const range = v6.range();
  if (range === 'loopback') return policy.allowLoopback ? undefined : range;
  if (range !== 'unicast') return range;
  // Only 2000::/3 is allocated for global unicast; everything else is reserved by the IETF.
  return (v6.parts[0]! & 0xe000) === 0x2000 ? undefined : 'reserved';
}

function ipv4Refusal(v4: ipaddr.IPv4, policy: OutboundPolicy): string | undefined {
  const range = v4.range(); // 0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12, 192.0.0/24, 192.0.2/24, 192.88.99/24, 192.168/16, 198.18/15, 198.51.100/24, 203.0.113/24, 224/4, 240/4, 255.255.255.255, AS112, AMT
  if (range === 'unicast') return undefined;
  if (range === 'loopback' && policy.allowLoopback) return undefined;
  return range;
}

/** The IPv4 address an IPv6 address stands for, 'refuse' when it embeds one we cannot judge, else undefined. */
function embeddedIPv4(v6: ipaddr.IPv6): ipaddr.IPv4 | 'refuse' | undefined {
  const p = v6.parts;
  const low32 = () => new (ip().IPv4)([p[6]! >> 8, p[6]! & 0xff, p[7]! >> 8, p[7]! & 0xff]);
  switch (v6.range()) {
    case 'ipv4Mapped': // ::ffff:a.b.c.d
    case 'rfc6145': // ::ffff:0:a.b.c.d (IPv4-translated)
      return low32();
    case 'rfc6052': // NAT64: 64:ff9b::a.b.c.d; the local-use 64:ff9b:1::/48 may embed it anywhere
      return p[1] === 0xff9b && p[2] === 0 ? low32() : 'refuse';
    case '6to4': // 2002:AABB:CCDD::/48
      return new (ip().IPv4)([p[1]! >> 8, p[1]! & 0xff, p[2]! >> 8, p[2]! & 0xff]);
    case 'teredo': // the client's address is obfuscated and reached through a relay: never a webhook
      return 'refuse';
    default:
      // IPv4-compatible (deprecated): ::a.b.c.d, but not :: and ::1, which have ranges of their own.
      if (p.slice(0, 6).every((x) => x === 0) && (p[6] !== 0 || p[7]! > 1)) return low32();
      return undefined;
  }
}

/** Suffixes that name no public host (RFC 6761/6762/8375, GCP metadata, common private zones). */
const PRIVATE_SUFFIXES = ['.internal', '.local', '.localhost', '.localdomain', '.arpa', '.invalid', '.onion', '.lan', '.intranet', '.corp', '.home'];

export interface OutboundUrlProblem {
  /** 'address': the host is not public; 'url': the URL itself is refused (scheme, credentials, syntax). */
  kind: 'address' | 'url';
  message: string;
}

/** Why a tenant URL may not be called under the policy, or undefined when it may. No DNS lookup. */
export function outboundUrlProblem(value: string, policy: OutboundPolicy = STRICT_OUTBOUND_POLICY): OutboundUrlProblem | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { kind: 'url', message: 'must be an absolute https:// URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { kind: 'url', message: 'must be an https:// URL' };
  if (url.username || url.password) return { kind: 'url', message: 'must not carry credentials' };
  const host = url.hostname; // lower-cased, IDNA-encoded; IPv4 in any notation normalized to dotted quad
  const notPublic = { kind: 'address', message: 'must be a public host (no private, loopback, link-local, metadata or internal addresses)' } as const;
  let loopback = false;
  if (host.startsWith('[') || isIP(host)) {
    const range = refusedAddress(host, { allowLoopback: true });
    if (range) return notPublic;
    loopback = refusedAddress(host) === 'loopback';
  } else {
    if (host.endsWith('.')) return { kind: 'address', message: 'must be a public host name without a trailing dot' };
    if (host === 'localhost') loopback = true;
    else if (!host.includes('.')) return { kind: 'address', message: 'must be a public, fully qualified host name' };
    else if (PRIVATE_SUFFIXES.some((suffix) => host.endsWith(suffix)) || host === 'metadata.google.internal') return notPublic;
  }
  if (loopback) return policy.allowLoopback ? undefined : notPublic; // http or https: the dev stack's receivers
  if (url.protocol !== 'https:') return { kind: 'url', message: 'must be an https:// URL' };
  return undefined;
}

/** Input-time check of a tenant URL: a 400 VALIDATION_ERROR naming the field (body.<field>). */
export function assertOutboundUrl(config: Pick<Config, 'PLATFORM_ENV' | 'OUTBOUND_ALLOW_LOOPBACK'>, value: string, field: string): void {
  const problem = outboundUrlProblem(value, outboundPolicy(config));
  if (problem) throw new AppError('VALIDATION_ERROR', `${field} ${problem.message}`, { issues: [{ path: `body.${field}`, message: problem.message }] });
}
