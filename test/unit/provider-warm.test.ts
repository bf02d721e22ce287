/**
 * warmProvider (shared/providers/registry.ts): a caller that knows which provider it will call starts
 * loading its client module and the HTTP client under it, so the loading overlaps the caller's reads
 * (a bulk job's item task, whose job names its provider).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.doUnmock('../../shared/providers/plivo/client.js');
  vi.doUnmock('../../shared/providers/http.js');
  vi.resetModules();
});

describe('warmProvider', () => {
  it("starts loading the provider's client module and then undici, reading nothing and building no client", async () => {
    vi.resetModules();
    const loaded: string[] = [];
    vi.doMock('../../shared/providers/plivo/client.js', () => {
      loaded.push('plivo client');
      return { createPlivoProvider: () => loaded.push('a client built') };
    });
    vi.doMock('../../shared/providers/http.js', () => ({ warmHttpClient: () => loaded.push('undici') }));
    const { warmProvider } = await import('../../shared/providers/registry.js');

    warmProvider('plivo');

    await vi.waitFor(() => expect(loaded).toEqual(['plivo client', 'undici']));
  });

  it('does nothing for what is not a number provider (a toll-free job names Somos)', async () => {
    vi.resetModules();
    const loaded: string[] = [];
    vi.doMock('../../shared/providers/http.js', () => ({ warmHttpClient: () => loaded.push('undici') }));
    const { warmProvider } = await import('../../shared/providers/registry.js');

    warmProvider('somos');
    warmProvider('nope');
    await new Promise((resolve) => setTimeout(resolve, 20));

    expect(loaded).toEqual([]);
  });
});
