/**
 * A real cluster for tests: compiled Kijkkamer processes sharing one data directory (SQLite in WAL
 * mode works across processes on one host) or, with `postgres`, a fresh database on the run's
 * throwaway PostgreSQL (tests/setup/postgres.ts), a throwaway redis-server (or
 * KIJKKAMER_TEST_REDIS_URL) and HAProxy in front with room affinity. Needs Debian's redis-server and haproxy; a clear error
 * names the package when one is missing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { LEADER_KEY } from '../../server/src/cluster/redis.ts';
import { inject } from 'vitest';
import { freePort, startHaproxy, startKijkkamer, startRedis, type Haproxy, type KijkkamerProcess, type RedisServer } from '../../scripts/cluster/parts.ts';
import { childEnv } from './child.ts';
import { createTestDatabase } from './postgres.ts';

export interface TestCluster {
  /** HAProxy's address: what browsers use. */
  url: string;
  haproxy: Haproxy;
  redisUrl: string;
  processes: (KijkkamerProcess | null)[];
  dataDir: string;
  /** The process (index) holding the room's lease, from Redis. */
  ownerOf(roomId: string): Promise<number | null>;
  /** The process (index) holding the leader lease (the cluster's jobs), from Redis. */
  leader(): Promise<number | null>;
  kill(index: number): Promise<void>;
  /** Starts process `index` again on its port. */
  restart(index: number): Promise<KijkkamerProcess>;
  dispose(): Promise<void>;
}

/** Redis for a test file: the given KIJKKAMER_TEST_REDIS_URL, or a throwaway server. */
export async function testRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  const given = process.env.KIJKKAMER_TEST_REDIS_URL;
  if (given) return { url: given, stop: async () => {} };
  const redis: RedisServer = await startRedis();
  return { url: redis.url, stop: () => redis.stop('SIGKILL') };
}

export async function startCluster(count: number, env: Record<string, string> = {}, options: { store?: 'sqlite' | 'postgres' } = {}): Promise<TestCluster> {
  const store = options.store ?? 'sqlite';
  const dataDir = mkdtempSync(join(tmpdir(), 'kijkkamer-cluster-'));
  const database = store === 'postgres' ? await createTestDatabase(inject('postgresUrl')) : null;
  const redis = await testRedis();
  const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
  const proxyPort = await freePort();
  const url = `http://127.0.0.1:${proxyPort}`;
  const envFor = () => childEnv(dataDir, { REDIS_URL: redis.url, PUBLIC_URL: url, TRUST_PROXY: '127.0.0.1', ...(database ? { DATABASE_URL: database.url } : {}), ...env });
  const processes: (KijkkamerProcess | null)[] = [];
  let haproxy: Haproxy;
  try {
    // One at a time: the first creates the schema and the administrator, the others find them.
    for (let i = 0; i < count; i++) processes.push(await startKijkkamer({ name: `p${i + 1}`, port: ports[i]!, env: envFor() }));
    haproxy = await startHaproxy(dataDir, ports.map((port, i) => ({ name: `p${i + 1}`, port })), { port: proxyPort, servedByHeader: true });
  } catch (err) {
    // Nothing started may outlive a cluster that failed to start.
    for (const p of processes) await p?.stop('SIGKILL');
    await redis.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const redisClient = new Redis(redis.url, { lazyConnect: true });
  await redisClient.connect();
  /** A lease's holder is `host:pid:random`: the process with that pid. */
  const processOf = (holder: string | null): number | null => {
    if (!holder) return null;
    const pid = Number(holder.split(':').at(-2));
    const index = processes.findIndex((p) => p?.proc.pid === pid);
    return index === -1 ? null : index;
  };

  return {
    url,
    haproxy,
    redisUrl: redis.url,
    processes,
    dataDir,
    ownerOf: async (roomId) => processOf(await redisClient.get(`kijkkamer:lease:${roomId}`)),
    leader: async () => processOf(await redisClient.get(LEADER_KEY)),
    async kill(index) {
      await processes[index]?.stop('SIGKILL');
      processes[index] = null;
    },
    async restart(index) {
      const p = await startKijkkamer({ name: `p${index + 1}`, port: ports[index]!, env: envFor() });
      processes[index] = p;
      return p;
    },
    async dispose() {
      redisClient.disconnect();
      await haproxy.stop('SIGKILL');
      for (const p of processes) await p?.stop('SIGKILL');
      await redis.stop();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
