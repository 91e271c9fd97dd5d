import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/src/config.ts';

describe('configuration from the environment', () => {
  it('has an embedded default for everything', () => {
    const config = loadConfig({}, '/srv/kijkkamer');
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      dataDir: '/srv/kijkkamer/data',
      publicUrl: 'http://127.0.0.1:8080',
      adminEmail: null,
      retentionDays: 90,
      maxUploadBytes: 4 * 1024 ** 3,
    });
  });

  it('derives the public URL from host and port, and trims a trailing slash', () => {
    expect(loadConfig({ HOST: '0.0.0.0', PORT: '9000' }).publicUrl).toBe('http://localhost:9000');
    expect(loadConfig({ PUBLIC_URL: 'https://kijkkamer.gemeente.nl/' }).publicUrl).toBe('https://kijkkamer.gemeente.nl');
  });

  it('runs as one process without REDIS_URL, and keeps a Redis password out of its messages', () => {
    expect(loadConfig({}).redisUrl).toBeNull();
    expect(loadConfig({ REDIS_URL: 'rediss://kijkkamer:geheim@redis.gemeente.nl:6380/2' }).redisUrl).toBe('rediss://kijkkamer:geheim@redis.gemeente.nl:6380/2');
    expect(() => loadConfig({ REDIS_URL: 'redis//kijkkamer:geheim@redis' })).toThrow(ConfigError);
    expect(() => loadConfig({ REDIS_URL: 'http://kijkkamer:geheim@redis' })).toThrow(/http:\/\/\*\*\*@redis/);
  });

  it('trusts X-Forwarded-For only from the proxies listed in TRUST_PROXY', () => {
    expect(loadConfig({}).trustProxy).toBeNull();
    expect(loadConfig({ TRUST_PROXY: ' 127.0.0.1, 10.0.0.0/24 ,::1,fd00::/8' }).trustProxy).toBe('127.0.0.1,10.0.0.0/24,::1,fd00::/8');
  });

  it.each([
    [{ PORT: 'tachtig' }, /PORT must be a whole number/],
    [{ PORT: '70000' }, /PORT must be a whole number from 0 to 65535/],
    [{ KIJKKAMER_RETENTION_DAYS: '0' }, /KIJKKAMER_RETENTION_DAYS/],
    [{ KIJKKAMER_SIGNIN_LIMIT: '1.5' }, /KIJKKAMER_SIGNIN_LIMIT/],
    [{ PUBLIC_URL: 'kijkkamer' }, /PUBLIC_URL must be an absolute URL/],
    [{ KIJKKAMER_ADMIN_EMAIL: 'a@b.nl' }, /both KIJKKAMER_ADMIN_EMAIL and KIJKKAMER_ADMIN_PASSWORD/],
    [{ KIJKKAMER_ADMIN_EMAIL: 'a@b.nl', KIJKKAMER_ADMIN_PASSWORD: 'kort' }, /at least 10 characters/],
    [{ REDIS_URL: '127.0.0.1:6379' }, /REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/],
    [{ REDIS_URL: 'http://127.0.0.1:6379' }, /REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/],
    [{ TRUST_PROXY: 'true' }, /TRUST_PROXY must list the proxies' addresses/],
    [{ TRUST_PROXY: '10.0.0.0/33' }, /"10.0.0.0\/33" is not one/],
    [{ TRUST_PROXY: 'haproxy.intern' }, /TRUST_PROXY/],
  ])('refuses %o with a clear message', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
