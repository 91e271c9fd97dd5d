import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { parseIceServers } from '../../shared/voice/ice.ts';
import type { IceServer } from '../../shared/voice/protocol.ts';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** PostgreSQL as the store (postgres://…); null: SQLite in the data directory. */
  databaseUrl: string | null;
  publicUrl: string;
  /** Built client; absent in tests that only exercise the API. */
  clientDir: string | null;
  adminEmail: string | null;
  adminPassword: string | null;
  logLevel: string;
  /** Sign-in attempts per IP and minute before 429. */
  signInLimitPerMinute: number;
  roomCreateLimitPerMinute: number;
  /** Staff sessions end after this long without a request, and in any case after the absolute limit. */
  staffIdleMinutes: number;
  staffAbsoluteHours: number;
  participantIdleHours: number;
  participantAbsoluteDays: number;
  /** Default retention of a video, counted from the day consent is recorded. */
  retentionDays: number;
  /** Largest video upload accepted (tus Upload-Length). */
  maxUploadBytes: number;
  /** An unfinished upload is deleted this long after it was started. */
  uploadExpiryHours: number;
  /** ffmpeg for poster frames and conversions; optional: a missing binary only turns those off. */
  ffmpegPath: string;
  /** STUN/TURN servers offered to browsers in a call; none by default (shared/voice/ice.ts). */
  iceServers: IceServer[];
  /** coturn's static-auth-secret: TURN entries without credentials get short-lived ones made from it. */
  turnSecret: string | null;
  /** Redis for several processes behind a proxy (room leases, cross-process signals); null: one process. */
  redisUrl: string | null;
  /**
   * Addresses (or CIDR ranges) of the reverse proxies in front (HAProxy, nginx), whose
   * X-Forwarded-For names the client: the rate limits count per client, not per proxy. Null: the
   * peer's address is the client's.
   */
  trustProxy: string | null;
}

export class ConfigError extends Error {}

/** DATABASE_URL's shape, checked before anything connects (whether the server answers is checked at start). */
function checkDatabaseUrl(value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('DATABASE_URL is not a URL: expected postgres://user:password@host:5432/database');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(`DATABASE_URL must start with postgres:// (got ${url.protocol}//); leave it unset to store in SQLite`);
  }
  if (url.pathname.length <= 1) throw new ConfigError('DATABASE_URL names no database: expected postgres://user:password@host:5432/database');
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/** Every setting has an embedded default, so `npm start` on a fresh machine needs nothing else. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const port = int(env, 'PORT', 8080, 0, 65535);
  const host = env.HOST || '127.0.0.1';
  const publicUrl = (env.PUBLIC_URL || `http://${host === '0.0.0.0' ? 'localhost' : host}:${port}`).replace(/\/+$/, '');
  try {
    new URL(publicUrl);
  } catch {
    throw new ConfigError(`PUBLIC_URL must be an absolute URL, got "${publicUrl}"`);
  }
  const adminEmail = env.KIJKKAMER_ADMIN_EMAIL || null;
  const adminPassword = env.KIJKKAMER_ADMIN_PASSWORD || null;
  if ((adminEmail === null) !== (adminPassword === null)) {
    throw new ConfigError('Set both KIJKKAMER_ADMIN_EMAIL and KIJKKAMER_ADMIN_PASSWORD, or neither');
  }
  if (adminPassword !== null && adminPassword.length < 10) {
    throw new ConfigError('KIJKKAMER_ADMIN_PASSWORD must be at least 10 characters');
  }
  const databaseUrl = env.DATABASE_URL || null;
  if (databaseUrl !== null) checkDatabaseUrl(databaseUrl);
  const redisUrl = env.REDIS_URL || null;
  if (redisUrl !== null) {
    let scheme: string | null = null;
    try {
      scheme = new URL(redisUrl).protocol;
    } catch {
      // named below
    }
    if (scheme !== 'redis:' && scheme !== 'rediss:') {
      throw new ConfigError(`REDIS_URL must be a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379), got "${redisUrl.replace(/\/\/([^@/]*)@/, '//***@')}"`);
    }
  }
  const trustProxy = parseTrustProxy(env.TRUST_PROXY);
  const turnSecret = env.ICE_TURN_SECRET || null;
  const ice = parseIceServers(env.ICE_SERVERS, turnSecret !== null);
  if (!ice.ok) throw new ConfigError(ice.message);
  return {
    port,
    host,
    dataDir: resolve(cwd, env.DATA_DIR || 'data'),
    databaseUrl,
    publicUrl,
    clientDir: resolve(cwd, 'dist/client'),
    adminEmail,
    adminPassword,
    logLevel: env.LOG_LEVEL || 'info',
    signInLimitPerMinute: int(env, 'KIJKKAMER_SIGNIN_LIMIT', 10, 1, 10_000),
    roomCreateLimitPerMinute: int(env, 'KIJKKAMER_ROOM_LIMIT', 30, 1, 10_000),
    staffIdleMinutes: int(env, 'KIJKKAMER_STAFF_IDLE_MINUTES', 120, 1, 100_000),
    staffAbsoluteHours: int(env, 'KIJKKAMER_STAFF_ABSOLUTE_HOURS', 12, 1, 10_000),
    participantIdleHours: int(env, 'KIJKKAMER_GUEST_IDLE_HOURS', 24, 1, 10_000),
    participantAbsoluteDays: int(env, 'KIJKKAMER_GUEST_ABSOLUTE_DAYS', 30, 1, 3650),
    retentionDays: int(env, 'KIJKKAMER_RETENTION_DAYS', 90, 1, 3650),
    maxUploadBytes: int(env, 'KIJKKAMER_MAX_UPLOAD_BYTES', 4 * 1024 ** 3, 1, Number.MAX_SAFE_INTEGER),
    uploadExpiryHours: int(env, 'KIJKKAMER_UPLOAD_EXPIRY_HOURS', 24, 1, 24 * 30),
    ffmpegPath: env.FFMPEG_PATH || 'ffmpeg',
    iceServers: ice.servers,
    turnSecret,
    redisUrl,
    trustProxy,
  };
}

/** `10.0.0.5, 10.0.1.0/24, ::1`: addresses or ranges, nothing else (never "trust everyone"). */
function parseTrustProxy(raw: string | undefined): string | null {
  if (!raw?.trim()) return null;
  const entries = raw.split(',').map((e) => e.trim()).filter((e) => e !== '');
  for (const entry of entries) {
    const [address = '', prefix, extra] = entry.split('/');
    const family = isIP(address);
    const bits = family === 4 ? 32 : 128;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
    if (family === 0 || !prefixOk || extra !== undefined) {
      throw new ConfigError(`TRUST_PROXY must list the proxies' addresses or ranges, comma-separated (e.g. 127.0.0.1,10.0.0.0/24); "${entry}" is not one`);
    }
  }
  return entries.join(',');
}
