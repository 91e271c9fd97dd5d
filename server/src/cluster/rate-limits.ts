/**
 * Where the rate limits (sign-in, accepting a staff invite, inspecting and accepting an invite
 * link, creating rooms) count. One process: in its memory, as @fastify/rate-limit does by default.
 * Several processes (REDIS_URL): in Redis, with @fastify/rate-limit's own Redis store, so N
 * processes allow together what one allows — and, while Redis does not answer, in each process's
 * memory again: the limit then holds per process (what one process always had), rather than
 * failing open (unlimited password guessing while Redis is down) or closed (nobody can sign in
 * because a cache is away, while the database, which decides, is fine).
 */
import { createRequire } from 'node:module';
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import { Redis } from 'ioredis';
import { redactUrl, RedisUnreachable, type ClusterLog } from './redis.ts';

type Counted = (error: Error | null, result?: { current: number; ttl: number }) => void;

/** The shape of @fastify/rate-limit's stores (its published `store/*.js`, which it does not type). */
interface Store {
  incr(key: string, callback: Counted, timeWindow: number, max: number): void;
  child(routeOptions: RouteLimit): Store;
}
type RouteLimit = Parameters<FastifyRateLimitStore['child']>[0] & { continueExceeding?: boolean; exponentialBackoff?: boolean; cache?: number };

const require = createRequire(import.meta.url);
const RedisStore = require('@fastify/rate-limit/store/RedisStore.js') as new (continueExceeding: boolean, exponentialBackoff: boolean, redis: Redis, key?: string) => Store;
const LocalStore = require('@fastify/rate-limit/store/LocalStore.js') as new (continueExceeding: boolean, exponentialBackoff: boolean, cache?: number) => Store;

const NAMESPACE = 'kijkkamer:ratelimit:';

/** How long a count may take in Redis before this request is counted here instead. */
const COMMAND_TIMEOUT_MS = 500;

/** Counts in Redis; when Redis fails, in this process (see above). */
class SharedStore implements Store {
  readonly #shared: Store;
  readonly #local: Store;
  readonly #fellBack: (err: Error | null) => void;

  constructor(shared: Store, local: Store, fellBack: (err: Error | null) => void) {
    this.#shared = shared;
    this.#local = local;
    this.#fellBack = fellBack;
  }

  incr(key: string, callback: Counted, timeWindow: number, max: number): void {
    this.#shared.incr(
      key,
      (err, result) => {
        this.#fellBack(err);
        if (!err) return callback(null, result);
        this.#local.incr(key, callback, timeWindow, max);
      },
      timeWindow,
      max,
    );
  }

  child(routeOptions: RouteLimit): Store {
    return new SharedStore(this.#shared.child(routeOptions), this.#local.child(routeOptions), this.#fellBack);
  }
}

export interface SharedRateLimits {
  /** For `@fastify/rate-limit`'s `store` option. */
  readonly store: FastifyRateLimitStoreCtor;
  close(): Promise<void>;
}

/**
 * A connection of its own that never queues: while Redis is away a count fails at once (and is
 * made here) instead of holding a sign-in until the connection is back.
 */
export async function connectRateLimits(url: string, log: ClusterLog): Promise<SharedRateLimits> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 5000,
    enableOfflineQueue: false,
    commandTimeout: COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  // The cluster's own connections log Redis being away; this one says only when limits move.
  redis.on('error', () => {});
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new RedisUnreachable(`cannot reach Redis at REDIS_URL=${redactUrl(url)}: ${(err as Error).message}`);
  }
  let local = false;
  const fellBack = (err: Error | null) => {
    if (err && !local) log.warn({ err: err.message }, 'rate limits: Redis does not answer; counting in this process until it does');
    else if (!err && local) log.info({}, 'rate limits: counting in Redis again');
    local = err !== null;
  };
  const store = class extends SharedStore {
    constructor(options: { continueExceeding?: boolean; exponentialBackoff?: boolean; cache?: number }) {
      const continueExceeding = options.continueExceeding ?? false;
      const exponentialBackoff = options.exponentialBackoff ?? false;
      super(new RedisStore(continueExceeding, exponentialBackoff, redis, NAMESPACE), new LocalStore(continueExceeding, exponentialBackoff, options.cache), fellBack);
    }
  } as unknown as FastifyRateLimitStoreCtor;
  return {
    store,
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
