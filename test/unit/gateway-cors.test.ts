import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { endpoints } from '../../functions/endpoints.js';

// API Gateway answers only the operations its config lists: a browser's CORS preflight (OPTIONS,
// without a token) must be routed to a function of the path, or no console could call the API.
const template = JSON.parse(readFileSync(new URL('../../terraform/api-gateway.openapi2.json.tpl', import.meta.url), 'utf8')) as {
  paths: Record<string, Record<string, { 'x-google-backend'?: { address: string; jwt_audience?: string }; security?: unknown }>>;
};

describe('gateway CORS preflights', () => {
  const browserPaths = [...new Set(endpoints.filter((e) => ['public', 'member', 'admin'].includes(e.access)).map((e) => e.path))];

  it.each(browserPaths)('routes OPTIONS %s to one of the path’s own functions, without asking for a token', (path) => {
    const options = template.paths[path]?.options;
    expect(options, `no OPTIONS route for ${path}`).toBeDefined();
    const own = endpoints.filter((e) => e.path === path).map((e) => e.name);
    const target = options!['x-google-backend']!.address.split('/').at(-1)!;
    expect(own).toContain(target);
    expect(options!['x-google-backend']!.jwt_audience).toBe(options!['x-google-backend']!.address);
    expect(options!.security).toBeUndefined();
  });

  it('gives webhook-only and task paths no preflight route', () => {
    for (const [path, operations] of Object.entries(template.paths)) {
      const browser = endpoints.some((e) => e.path === path && ['public', 'member', 'admin'].includes(e.access));
      if (!browser) expect(operations.options, path).toBeUndefined();
    }
  });
});
