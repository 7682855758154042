import { ConfigError, loadConfig } from '../../../lib/config';

describe('loadConfig: tenant placement', () => {
  it('has no dedicated database by default', () => {
    expect(loadConfig({}).database.placement).toEqual({ databases: {}, poolSize: 4, ttlMs: 2_000, writePauseWaitMs: 4_000 });
  });

  it('reads the dedicated databases by key, with app-role URLs where given', () => {
    const config = loadConfig({
      TENANT_DATABASES: 'eu=postgresql://owner:pw@eu-db/tenants, big-co=postgresql://owner:pw@big/db',
      TENANT_APP_DATABASES: 'eu=postgresql://app:pw@eu-pooler/tenants',
      TENANT_DATABASE_POOL_SIZE: '2',
      TENANT_PLACEMENT_TTL_MS: '500',
      TENANT_WRITE_PAUSE_WAIT_MS: '0',
    });
    expect(config.database.placement).toEqual({
      databases: {
        eu: { url: 'postgresql://owner:pw@eu-db/tenants', appUrl: 'postgresql://app:pw@eu-pooler/tenants' },
        'big-co': { url: 'postgresql://owner:pw@big/db' },
      },
      poolSize: 2,
      ttlMs: 500,
      writePauseWaitMs: 0,
    });
  });

  it('refuses malformed lists, "shared" and duplicate keys without echoing a URL', () => {
    for (const value of [
      'eu',
      'EU=postgresql://x:hunter2@h/d',
      'shared=postgresql://x:hunter2@h/d',
      'a=postgresql://x:hunter2@h/d,a=postgresql://h/e',
    ]) {
      let message = '';
      try {
        loadConfig({ TENANT_DATABASES: value });
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        message = (err as Error).message;
      }
      expect(message).toMatch(/TENANT_DATABASES: must be comma-separated key=postgresql:\/\/\.\.\. pairs/);
      expect(message).not.toMatch(/hunter2/);
    }
  });

  it('refuses an app-role URL for a database TENANT_DATABASES does not define', () => {
    expect(() => loadConfig({ TENANT_APP_DATABASES: 'eu=postgresql://app:pw@h/d' })).toThrow(
      new ConfigError('TENANT_APP_DATABASES names eu, which TENANT_DATABASES does not define.'),
    );
  });
});
