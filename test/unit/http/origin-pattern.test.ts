/**
 * The allow-list of browser origins (`CORS_ORIGINS`): entry forms, normalisation, matching, and the
 * configuration's defaults per environment.
 */
import { loadConfig } from '../../../lib/config';
import { LOCAL_ORIGINS, isOriginPattern, originMatcher } from '../../../lib/http/origin-pattern';

describe('origin patterns', () => {
  it('accepts origins, any-port origins and *; refuses paths, credentials and other schemes', () => {
    for (const ok of [
      'https://app.example.com',
      'http://localhost:5173',
      'http://localhost:*',
      'http://[::1]:*',
      '*',
      'https://App.Example.com/',
    ]) {
      expect(isOriginPattern(ok)).toBe(true);
    }
    for (const bad of [
      'app.example.com',
      'https://app.example.com/path',
      'https://u:p@app.example.com',
      'ftp://x.test',
      'https://*.example.com',
    ]) {
      expect(isOriginPattern(bad)).toBe(false);
    }
  });

  it('matches exact origins after normalisation, any port for :*, everything for *, and the null origin only for *', () => {
    const allowed = originMatcher(['https://App.Example.com:443', 'http://localhost:*']);
    expect(allowed('https://app.example.com')).toBe(true);
    expect(allowed('https://app.example.com:8443')).toBe(false);
    expect(allowed('http://app.example.com')).toBe(false);
    expect(allowed('http://localhost:5173')).toBe(true);
    expect(allowed('https://localhost:5173')).toBe(false);
    expect(allowed('http://localhost.evil.test:5173')).toBe(false);
    expect(allowed('null')).toBe(false);
    expect(originMatcher(['*'])('null')).toBe(true);
    expect(originMatcher([])('http://localhost:3000')).toBe(false);
  });

  it('CORS_ORIGINS: loopback origins by default in development, none in production, a clear error for a bad entry', () => {
    expect(loadConfig({}).gateway.corsOrigins).toEqual([...LOCAL_ORIGINS]);
    expect(loadConfig({ NODE_ENV: 'production', JWT_JWKS_URL: 'https://idp.example.com/jwks' }).gateway.corsOrigins).toEqual([]);
    expect(loadConfig({ CORS_ORIGINS: ' https://a.example.com , http://localhost:* ' }).gateway.corsOrigins).toEqual([
      'https://a.example.com',
      'http://localhost:*',
    ]);
    expect(() => loadConfig({ CORS_ORIGINS: 'https://a.example.com/app' })).toThrow(/CORS_ORIGINS: must be comma-separated origins/);
  });

  it('GRAPHQL_IDE and LOG_FORMAT: the IDE on unless switched off; pretty logs in development, JSON otherwise', () => {
    expect(loadConfig({}).gateway.ide).toBe(true);
    expect(loadConfig({ GRAPHQL_IDE: 'false' }).gateway.ide).toBe(false);
    expect(loadConfig({}).logFormat).toBe('pretty');
    expect(loadConfig({ NODE_ENV: 'test' }).logFormat).toBe('json');
    expect(loadConfig({ NODE_ENV: 'production', JWT_JWKS_URL: 'https://idp.example.com/jwks' }).logFormat).toBe('json');
  });
});
