import { isIP } from 'node:net';
import type { Config } from '../config.js';
import { AppError } from './errors.js';

/**
 * Where the platform may send tenant-configured requests (callbacks). In production: https to a
 * public host only — never loopback, private, link-local or metadata addresses (SSRF). The dev
 * stack may also call back to loopback over http, which is what local receivers and tests use.
 */
export function assertOutboundUrl(config: Pick<Config, 'PLATFORM_ENV'>, value: string, field: string): void {
  const url = new URL(value);
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const loopback = host === 'localhost' || host === '::1' || /^127\./.test(host);
  const local = config.PLATFORM_ENV !== 'production';
  const fail = (message: string) => {
    throw new AppError('VALIDATION_ERROR', `${field} ${message}`, { issues: [{ path: `body.${field}`, message }] });
  };
  if (url.username || url.password) fail('must not carry credentials');
  if (loopback) {
    if (!local) fail('must be a public https URL');
    return;
  }
  if (url.protocol !== 'https:') fail('must be an https:// URL');
  if (host.endsWith('.internal') || host.endsWith('.local') || host === 'metadata.google.internal') fail('must be a public host');
  if (isIP(host) && isPrivate(host)) fail('must be a public host');
}

function isPrivate(ip: string): boolean {
  if (ip.includes(':')) return /^(fc|fd|fe80|::$|::ffff:(10|127|169\.254|192\.168)\.)/i.test(ip);
  const [a, b] = ip.split('.').map(Number) as [number, number];
  return a === 10 || a === 127 || a === 0 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
}
