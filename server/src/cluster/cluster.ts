/**
 * One process (no REDIS_URL): every room is served here and a signal is applied where it is made,
 * exactly as before there was a cluster. Several processes (REDIS_URL): leases and signals over Redis.
 */
import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import { ClusterJobs, LocalLeadership } from './jobs.ts';
import { LocalOwnership, type RoomOwnership } from './ownership.ts';
import { connectRateLimits } from './rate-limits.ts';
import { startRedisCluster, type ClusterLog, type LeaseTimings } from './redis.ts';
import { LocalSignals, type Signals } from './signals.ts';

export interface Cluster {
  /** False for one process: nothing is claimed, nothing crosses. */
  readonly shared: boolean;
  readonly ownership: RoomOwnership;
  readonly signals: Signals;
  /** Jobs on shared state, run by one process of the cluster (cluster/jobs.ts). */
  readonly jobs: ClusterJobs;
  /** Where the rate limits count across processes (cluster/rate-limits.ts); null: in this process. */
  readonly rateLimitStore: FastifyRateLimitStoreCtor | null;
  close(): Promise<void>;
}

export async function createCluster(redisUrl: string | null, log: ClusterLog, timings?: Partial<LeaseTimings>): Promise<Cluster> {
  if (redisUrl === null) {
    const jobs = new ClusterJobs(new LocalLeadership(), log);
    return { shared: false, ownership: new LocalOwnership(), signals: new LocalSignals(), jobs, rateLimitStore: null, close: () => jobs.close() };
  }
  const redis = await startRedisCluster(redisUrl, log, timings);
  const limits = await connectRateLimits(redisUrl, log).catch(async (err: unknown) => {
    await redis.close();
    throw err;
  });
  const jobs = new ClusterJobs(redis, log);
  return {
    shared: true,
    ownership: redis,
    signals: redis,
    jobs,
    rateLimitStore: limits.store,
    // The jobs first (the leader lease is freed for the next leader), then the rooms.
    close: async () => {
      await jobs.close();
      await redis.close();
      await limits.close();
    },
  };
}
