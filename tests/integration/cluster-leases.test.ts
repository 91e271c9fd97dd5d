/**
 * Room ownership and signals between processes, on a real redis-server: two cluster members in
 * one test process, each with its own Redis connections, exactly as two Kijkkamer processes have.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRedisCluster, type ClusterLog, type RedisCluster } from '../../server/src/cluster/redis.ts';
import type { ClusterSignal } from '../../server/src/cluster/signals.ts';
import { startRedis } from '../../scripts/cluster/parts.ts';
import { testRedis } from '../helpers/cluster.ts';
import { until } from '../helpers/yjs.ts';

const quiet: ClusterLog = { info: () => {}, warn: () => {}, error: () => {} };

describe('room leases and signals over Redis', () => {
  let redis: Awaited<ReturnType<typeof testRedis>>;
  let raw: Redis;
  const members: RedisCluster[] = [];
  const member = async (log: ClusterLog = quiet) => {
    const m = await startRedisCluster(redis.url, log, { ttlMs: 1500, idleMs: 60_000, claimTimeoutMs: 8000 });
    members.push(m);
    return m;
  };
  let n = 0;
  const roomId = () => `leaseroom${++n}${Date.now()}`;

  beforeAll(async () => {
    redis = await testRedis();
    raw = new Redis(redis.url);
  });
  afterEach(async () => {
    for (const m of members.splice(0)) await m.close();
  });
  afterAll(async () => {
    raw.disconnect();
    await redis.stop();
  });

  it('gives a room to one process at a time, and hands it over cleanly when another asks', async () => {
    const [a, b] = [await member(), await member()];
    const room = roomId();
    const steps: string[] = [];
    // Both never hold the room at once: checked on every turn of the event loop while it moves.
    let both = false;
    const watch = setInterval(() => (both ||= a.holds(room) && b.holds(room)), 0);
    a.onRelease(async (id, reason) => {
      steps.push(`a lets go of ${id === room ? 'the room' : id} (${reason}), still holding: ${a.holds(room)}`);
      await new Promise((r) => setTimeout(r, 100)); // its pending writes reach the store
      steps.push('a flushed');
    });
    b.onAcquire(() => steps.push(`b takes it; a holds it: ${a.holds(room)}`));

    expect(await a.claim(room)).toBe(true);
    expect(a.claim(room)).toBe(true); // held: answered at once, without a promise
    expect(await raw.get(`kijkkamer:lease:${room}`)).toBe(a.processId);

    expect(await b.claim(room)).toBe(true);
    clearInterval(watch);
    // a holds the lease until it has flushed; only then is it b's.
    expect(steps).toEqual(['a lets go of the room (handover), still holding: true', 'a flushed', 'b takes it; a holds it: false']);
    expect(both).toBe(false);
    expect([a.holds(room), b.holds(room)]).toEqual([false, true]);
    expect(await raw.get(`kijkkamer:lease:${room}`)).toBe(b.processId);
  });

  it("takes a dead process's room once its lease runs out", async () => {
    const b = await member();
    const room = roomId();
    // A process that was killed: its lease stays until it expires, and nobody answers a handover.
    await raw.set(`kijkkamer:lease:${room}`, 'dead-process', 'PX', 1500);
    expect(await b.claim(room)).toBe(true);
    expect(await raw.get(`kijkkamer:lease:${room}`)).toBe(b.processId);
    // Renewed while held: still b's after more than one lease time.
    await new Promise((r) => setTimeout(r, 2000));
    expect(await raw.get(`kijkkamer:lease:${room}`)).toBe(b.processId);
  });

  it('lets go of a room whose lease it can no longer renew', async () => {
    const a = await member();
    const room = roomId();
    const released = new Promise<string>((resolve) => a.onRelease((_id, reason) => resolve(reason)));
    expect(await a.claim(room)).toBe(true);
    await raw.set(`kijkkamer:lease:${room}`, 'someone-else', 'PX', 5000);
    expect(await released).toBe('lost');
    await until(() => !a.holds(room)); // once its hooks are done
    // Its lease is not touched on the way out: it was never its own any more.
    expect(await raw.get(`kijkkamer:lease:${room}`)).toBe('someone-else');
  });

  it('lets go of its rooms when Redis stops answering, before their leases could run out', async () => {
    const own = await startRedis();
    const a = await startRedisCluster(own.url, quiet, { ttlMs: 1500, idleMs: 60_000 });
    try {
      const room = roomId();
      const released = new Promise<string>((resolve) => a.onRelease((_id, reason) => resolve(reason)));
      expect(await a.claim(room)).toBe(true);
      await own.stop('SIGKILL');
      expect(await released).toBe('lost');
      await until(() => !a.holds(room));
    } finally {
      await a.close();
      await own.stop('SIGKILL');
    }
  });

  it('releases a room nobody uses, and frees every lease when it stops', async () => {
    const a = await startRedisCluster(redis.url, quiet, { ttlMs: 1500, idleMs: 200 });
    members.push(a);
    const idle = roomId();
    const busy = roomId();
    const reasons: string[] = [];
    a.onRelease((id, reason) => void reasons.push(`${id === idle ? 'idle room' : 'busy room'}: ${reason}`));
    expect(await a.claim(idle)).toBe(true);
    expect(await a.claim(busy)).toBe(true);
    a.enter(busy);
    await new Promise((r) => setTimeout(r, 600));
    expect(reasons).toEqual(['idle room: idle']);
    expect(await raw.get(`kijkkamer:lease:${idle}`)).toBeNull();
    await a.close();
    expect(reasons).toEqual(['idle room: idle', 'busy room: shutdown']);
    expect(await raw.get(`kijkkamer:lease:${busy}`)).toBeNull();
  });

  it('applies a signal where it is made at once, and in every other process when it arrives; ignores foreign shapes', async () => {
    const warnings: string[] = [];
    const [a, b] = [await member(), await member({ ...quiet, warn: (_d, msg) => void warnings.push(msg) })];
    const gotA: ClusterSignal[] = [];
    const gotB: ClusterSignal[] = [];
    a.handle((s) => gotA.push(s));
    const arrived = new Promise<void>((resolve) =>
      b.handle((s) => {
        gotB.push(s);
        resolve();
      }),
    );
    // Not ours: dropped with a warning, never applied.
    await raw.publish('kijkkamer:signals', JSON.stringify({ from: 'x', signal: { kind: 'participants-ended', roomId: '../etc', participantIds: 'all', reason: { code: 'gone', message: '' } } }));
    await raw.publish('kijkkamer:signals', 'not json');
    const signal: ClusterSignal = { kind: 'participants-ended', roomId: 'room12345', participantIds: ['p1', 'p2'], reason: { code: 'forbidden', message: 'The host has withdrawn your invite link.' } };
    a.publish(signal);
    expect(gotA).toEqual([signal]); // synchronously, before anything went over Redis
    await arrived;
    expect(gotB).toEqual([signal]);
    expect(gotA).toEqual([signal]); // its own message coming back is not applied twice
    expect(warnings.filter((w) => /unknown shape/.test(w))).toHaveLength(2);
  });
});
