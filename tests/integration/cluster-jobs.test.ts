/**
 * The cluster's jobs (retention sweep, expired sessions, …) run in one process at a time: the
 * holder of the leader lease in a real redis-server. Two cluster members in one test process,
 * each with its own Redis connections, exactly as two Kijkkamer processes have.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ClusterJobs, type ClusterJob } from '../../server/src/cluster/jobs.ts';
import { LEADER_KEY, startRedisCluster, type ClusterLog, type RedisCluster } from '../../server/src/cluster/redis.ts';
import { testRedis } from '../helpers/cluster.ts';
import { startCutProxy } from '../helpers/cut-proxy.ts';
import { until } from '../helpers/yjs.ts';

const quiet: ClusterLog = { info: () => {}, warn: () => {}, error: () => {} };
const TTL_MS = 1500;

describe('cluster jobs under a leader lease in Redis', () => {
  let redis: Awaited<ReturnType<typeof testRedis>>;
  let raw: Redis;
  const closers: (() => Promise<void>)[] = [];

  /** A cluster member and its jobs: `job` is what it runs while it leads. */
  async function member(job: ClusterJob, url = redis.url): Promise<{ cluster: RedisCluster; jobs: ClusterJobs }> {
    const cluster = await startRedisCluster(url, quiet, { ttlMs: TTL_MS, idleMs: 60_000, claimTimeoutMs: 8000 });
    const jobs = new ClusterJobs(cluster, quiet);
    jobs.schedule(job);
    closers.push(async () => {
      await jobs.close();
      await cluster.close();
    });
    return { cluster, jobs };
  }

  /** A job that notes which member ran it, every 50 ms. */
  const noting = (runs: string[], name: string): ClusterJob => ({
    name: 'note',
    everyMs: 50,
    run: async () => void runs.push(name),
  });

  beforeAll(async () => {
    redis = await testRedis();
    raw = new Redis(redis.url);
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await raw.del(LEADER_KEY);
  });
  afterAll(async () => {
    raw.disconnect();
    await redis.stop();
  });

  it('runs the jobs in one process only, and in the other once the leader stops', async () => {
    const runs: string[] = [];
    const a = await member(noting(runs, 'a'));
    await a.jobs.start();
    const b = await member(noting(runs, 'b'));
    await b.jobs.start();
    // The first to start leads; its first run was awaited by start (as at a server's start-up).
    expect([a.jobs.leading, b.jobs.leading]).toEqual([true, false]);
    expect(runs[0]).toBe('a');
    expect(await raw.get(LEADER_KEY)).toBe(a.cluster.processId);
    await until(() => runs.length >= 10);
    expect(new Set(runs)).toEqual(new Set(['a']));

    // A shutdown frees the lease at once: the other takes over on its next try, long before it could have expired.
    await a.jobs.close();
    expect(a.jobs.leading).toBe(false);
    const before = runs.length;
    await until(() => b.jobs.leading, TTL_MS);
    await until(() => runs.length >= before + 10);
    expect(runs.slice(before)).toEqual(runs.slice(before).map(() => 'b'));
    expect(await raw.get(LEADER_KEY)).toBe(b.cluster.processId);
  });

  it("takes over from a killed leader once its lease runs out, and keeps the lease while it leads", async () => {
    // A leader killed with -9: its lease stays until it expires, and it never runs anything again.
    await raw.set(LEADER_KEY, 'dead-process', 'PX', TTL_MS);
    const runs: string[] = [];
    const b = await member(noting(runs, 'b'));
    await b.jobs.start();
    expect(b.jobs.leading).toBe(false);
    expect(runs).toEqual([]);
    await until(() => b.jobs.leading, 3 * TTL_MS);
    await until(() => runs.length > 0);
    // Renewed while it leads: still its lease after more than one lease time.
    await new Promise((r) => setTimeout(r, 2 * TTL_MS));
    expect(await raw.get(LEADER_KEY)).toBe(b.cluster.processId);
    expect(b.jobs.leading).toBe(true);
  });

  it('stops a leader cut off from Redis between two steps, before the next leader starts', async () => {
    const events: string[] = [];
    // A long job of many small steps that checks between them whether it still leads.
    const stepping = (name: string): ClusterJob => ({
      name: 'steps',
      everyMs: null,
      async run(signal) {
        events.push(`${name} starts`);
        while (!signal.aborted) await new Promise((r) => setTimeout(r, 20));
        events.push(`${name} stops`);
      },
    });
    const port = new URL(redis.url).port || '6379';
    const proxy = await startCutProxy(Number(port));
    const viaProxy = new URL(redis.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const a = await member(stepping('a'), viaProxy.toString());
    // Not awaited: its first run lasts until it stops leading.
    const aStarted = a.jobs.start();
    await until(() => events.includes('a starts'));
    const b = await member(stepping('b'));
    void b.jobs.start();

    // Redis goes away for a (the proxy stops; its reconnects are refused).
    await proxy.close();
    await until(() => events.includes('b starts'), 4 * TTL_MS);
    await aStarted;
    // a gave up before its lease could run out, so b never ran beside it.
    expect(events).toEqual(['a starts', 'a stops', 'b starts']);
    expect(await raw.get(LEADER_KEY)).toBe(b.cluster.processId);
  });

  it('stops the jobs of a leader whose lease another process took', async () => {
    const events: string[] = [];
    const a = await member({
      name: 'steps',
      everyMs: null,
      async run(signal) {
        events.push('starts');
        while (!signal.aborted) await new Promise((r) => setTimeout(r, 20));
        events.push('stops');
      },
    });
    const started = a.jobs.start();
    await until(() => events.includes('starts'));
    await raw.set(LEADER_KEY, 'someone-else', 'PX', 5000);
    await started;
    expect(events).toEqual(['starts', 'stops']);
    expect(a.jobs.leading).toBe(false);
    // Its shutdown leaves the other's lease alone.
    await a.jobs.close();
    expect(await raw.get(LEADER_KEY)).toBe('someone-else');
  });
});
