import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../shared/config.js';
import { allowedOrigin } from '../../shared/http/cors.js';

const local = (CORS_ORIGINS?: string) => parseConfig({ GOOGLE_CLOUD_PROJECT: 'demo-x', PLATFORM_ENV: 'local', ...(CORS_ORIGINS !== undefined ? { CORS_ORIGINS } : {}) });

describe('CORS_ORIGINS', () => {
  it('is a comma-separated list of origins, none by default', () => {
    expect(local().CORS_ORIGINS).toEqual([]);
    expect(local('').CORS_ORIGINS).toEqual([]);
    expect(local(' https://Console.Example.com , http://localhost:5173/ ').CORS_ORIGINS).toEqual(['https://console.example.com', 'http://localhost:5173']);
  });

  it('refuses what is not an origin: paths, wildcards, other schemes', () => {
    for (const bad of ['https://console.example.com/app', '*', 'https://*.example.com', 'ftp://example.com', 'console.example.com']) {
      expect(() => local(bad), bad).toThrow(ConfigError);
    }
  });

  it('takes https origins only in production', () => {
    const production = (CORS_ORIGINS: string) =>
      parseConfig({ GOOGLE_CLOUD_PROJECT: 'p', PLATFORM_ENV: 'production', SOMOS_DEFAULT_RESPORG_ID: 'ABC01', PUBLIC_BASE_URL: 'https://api.example.com', CORS_ORIGINS });
    expect(() => production('http://localhost:5173')).toThrow(/CORS_ORIGINS: production allows https origins only/);
  });

  it('matches a request’s Origin case-insensitively and echoes it', () => {
    expect(allowedOrigin('http://LOCALHOST:5173', ['http://localhost:5173'])).toBe('http://LOCALHOST:5173');
    expect(allowedOrigin('https://evil.example.com', ['http://localhost:5173'])).toBeUndefined();
    expect(allowedOrigin(undefined, ['http://localhost:5173'])).toBeUndefined();
    expect(allowedOrigin('http://localhost:5173', [])).toBeUndefined();
  });
});
