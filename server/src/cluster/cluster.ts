/**
 * One process (no REDIS_URL): every room is served here and a signal is applied where it is made,
 * exactly as before there was a cluster. Several processes (REDIS_URL): leases and signals over Redis.
 */
import { LocalOwnership, type RoomOwnership } from './ownership.ts';
import { startRedisCluster, type ClusterLog, type LeaseTimings } from './redis.ts';
import { LocalSignals, type Signals } from './signals.ts';

export interface Cluster {
  /** False for one process: nothing is claimed, nothing crosses. */
  readonly shared: boolean;
  readonly ownership: RoomOwnership;
  readonly signals: Signals;
  close(): Promise<void>;
}

export async function createCluster(redisUrl: string | null, log: ClusterLog, timings?: Partial<LeaseTimings>): Promise<Cluster> {
  if (redisUrl === null) {
    return { shared: false, ownership: new LocalOwnership(), signals: new LocalSignals(), close: async () => {} };
  }
  const redis = await startRedisCluster(redisUrl, log, timings);
  return { shared: true, ownership: redis, signals: redis, close: () => redis.close() };
}
