/**
 * Two real Kijkkamer servers (each its own app, HTTP port, Redis connections and store pool) on
 * one redis-server, one PostgreSQL database and one data folder — what two processes of a cluster
 * share. Checks what must happen once per cluster (the jobs, deleting an expired video) and what
 * must count across it (the rate limits), and what a Redis that is away does to the limits.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startRedis } from '../../scripts/cluster/parts.ts';
import { LEADER_KEY } from '../../server/src/cluster/redis.ts';
import { ANALYSIS_HEARTBEAT_MS } from '../../server/src/spreektijd/service.ts';
import { testRedis } from '../helpers/cluster.ts';
import { HttpClient } from '../helpers/http.ts';
import { consentBody, filesUnder, FIXTURE, giveConsent, localDay, TusClient } from '../helpers/media.ts';
import { createTestDatabase } from '../helpers/postgres.ts';
import { createRoom, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { until } from '../helpers/yjs.ts';
import { Redis } from 'ioredis';
import { io as connect } from 'socket.io-client';
import { roomQuery } from '../../shared/realtime/events.ts';
import type { AnalysisStatus } from '../../shared/spreektijd/schemas.ts';
import { connected, type TestSocket } from '../helpers/sockets.ts';

const DAY_MS = 86_400_000;
const SIGNIN_LIMIT = 4;

/** A client behind the (trusted) proxy at 127.0.0.1, with an address of its own. */
let clientCount = 0;
const clientAddress = () => `10.${process.pid % 250}.${Math.floor(clientCount / 250)}.${++clientCount % 250}`;
const wrongSignIn = (server: TestServer, address: string) =>
  new HttpClient(server.url).request('POST', '/api/auth/signin', { email: 'niemand@kijkkamer.test', password: 'fout-wachtwoord' }, { 'x-forwarded-for': address });

describe('two processes on one Redis, one PostgreSQL and one data folder', () => {
  let redis: Awaited<ReturnType<typeof testRedis>>;
  let raw: Redis;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let a: TestServer;
  let b: TestServer;
  let host: HttpClient;
  const env = () => ({ REDIS_URL: redis.url, DATABASE_URL: database.url, TRUST_PROXY: '127.0.0.1', KIJKKAMER_SIGNIN_LIMIT: String(SIGNIN_LIMIT) });
  const count = async (table: string, roomId: string, via = b) =>
    Number(((await via.app.services.db.prepare(`SELECT count(*) AS n FROM ${table} WHERE room_id = ?`).get(roomId)) as { n: number }).n);

  beforeAll(async () => {
    redis = await testRedis();
    raw = new Redis(redis.url);
    await raw.del(LEADER_KEY);
    database = await createTestDatabase(inject('postgresUrl'));
    // Started at the same moment, as a service manager starts them: one creates the schema and the
    // administrator, the other finds them.
    const dataDir = mkdtempSync(join(tmpdir(), 'kijkkamer-test-'));
    [a, b] = await Promise.all([startServer(env(), dataDir), startServer(env(), dataDir)]);
    host = await signedInAdmin(a);
  });
  afterAll(async () => {
    await b?.stop();
    await a?.dispose();
    await database?.drop();
    raw?.disconnect();
    await redis?.stop();
  });

  async function roomWithVideo(retentionUntil: string) {
    const room = await createRoom(host);
    await giveConsent(host, room.id, { retentionUntil, allowedRoles: ['klantmanager'] });
    expect((await new TusClient(host, room.id).upload(FIXTURE)).status).toBe(204);
    expect(await count('media', room.id)).toBe(1);
    return room;
  }

  it('counts sign-in attempts across both processes, per client behind the proxy', async () => {
    const guesser = clientAddress();
    const statuses: number[] = [];
    // Alternating between the two processes, as a round-robin proxy does.
    for (let i = 0; i < SIGNIN_LIMIT; i++) statuses.push((await wrongSignIn(i % 2 === 0 ? a : b, guesser)).status);
    expect(statuses).toEqual(Array(SIGNIN_LIMIT).fill(401));
    // One process alone has seen only half of them, and still refuses.
    expect((await wrongSignIn(a, guesser)).status).toBe(429);
    expect((await wrongSignIn(b, guesser)).status).toBe(429);
    // Someone else behind the same proxy is not held back by the guesser.
    expect((await wrongSignIn(b, clientAddress())).status).toBe(401);
  });

  it('deletes an expired video once when both processes sweep at the same moment', async () => {
    const room = await roomWithVideo(localDay(0));
    const keep = await roomWithVideo(localDay(5));
    const tomorrow = Date.now() + DAY_MS;
    const [fromA, fromB] = await Promise.all([a.app.services.media.sweep(tomorrow), b.app.services.media.sweep(tomorrow)]);
    expect(fromA.expired + fromB.expired).toBe(1);
    expect(await count('media', room.id)).toBe(0);
    expect(await count('media_removals', room.id)).toBe(1);
    expect(existsSync(join(a.dataDir, 'media', room.id))).toBe(false);
    expect(await count('media', keep.id)).toBe(1);
    expect((await filesUnder(join(a.dataDir, 'media', keep.id))).length).toBeGreaterThanOrEqual(1);
    // A sweep that read the room's video before it was replaced (its id is no longer the room's)
    // deletes nothing, whatever it decides.
    expect(await a.app.services.mediaStore.removeIfExpired(keep.id, 'replaced-video-id', async () => 'retention')).toBeNull();
    expect(await count('media', keep.id)).toBe(1);
  });

  it('removes an expired unfinished upload once, neither sweep failing on what the other removed', async () => {
    const room = await createRoom(host);
    await giveConsent(host, room.id, { retentionUntil: localDay(60) });
    const tus = new TusClient(host, room.id);
    const url = await tus.start(FIXTURE.byteLength);
    await tus.patch(url, 0, FIXTURE.subarray(0, 30_000));
    const id = url.split('/').pop()!;
    const staged = async () => (await filesUnder(join(a.dataDir, 'uploads'))).filter((f) => f.startsWith(id));
    expect(await staged()).toHaveLength(2);
    const later = Date.now() + 25 * 3_600_000;
    const results = await Promise.all([a.app.services.media.sweep(later), b.app.services.media.sweep(later)]);
    expect(results.map((r) => r.uploads).every((n) => n <= 1)).toBe(true);
    expect(await staged()).toEqual([]);
  });

  it('resumes only the speaker analyses no live process marks alive', async () => {
    const live = await roomWithVideo(localDay(30));
    const orphaned = await roomWithVideo(localDay(30));
    // Their analyses (started by the uploads) are done before the test makes them look unfinished.
    await Promise.all([a.app.services.spreektijd.idle(), b.app.services.spreektijd.idle()]);
    const now = Date.now();
    const setRow = (roomId: string, updatedAt: number) =>
      b.app.services.db.prepare("UPDATE speaker_analyses SET state = 'running', result = NULL, failure = NULL, updated_at = ? WHERE room_id = ?").run(updatedAt, roomId);
    const row = async (roomId: string) =>
      (await b.app.services.db.prepare('SELECT state, updated_at FROM speaker_analyses WHERE room_id = ?').get(roomId)) as { state: string; updated_at: number };
    // One marked a moment ago by the process running it; one whose process died ten minutes ago.
    await setRow(live.id, now);
    await setRow(orphaned.id, now - 10 * 60_000);

    // The room's people are connected to a (the room's process); b restarts the analysis.
    const socket = connect(a.url, { auth: { roomId: orphaned.id }, query: roomQuery(orphaned.id), extraHeaders: { cookie: host.cookieHeader }, transports: ['websocket'], forceNew: true }) as TestSocket;
    try {
      await connected(socket);
      const heard = new Promise<AnalysisStatus>((resolve) => socket.on('spreektijd:progress', (status) => status.state === 'done' && resolve(status)));
      await b.app.services.spreektijd.resume(4 * ANALYSIS_HEARTBEAT_MS);
      await b.app.services.spreektijd.idle();
      expect(await row(live.id)).toEqual({ state: 'running', updated_at: now });
      expect((await row(orphaned.id)).state).toBe('done');
      // Its progress reached them across the processes.
      expect((await heard).percent).toBe(100);
    } finally {
      socket.disconnect();
    }
  });

  it('runs the jobs in one process, and in the other once it stops', async () => {
    const leaders = [a.app.services.jobs.leading, b.app.services.jobs.leading];
    expect(leaders.filter(Boolean)).toHaveLength(1);
    const [leader, other] = leaders[0] ? [a, b] : [b, a];
    // A video past its retention date, between two sweeps of the leader.
    const room = await roomWithVideo(localDay(30));
    await other.app.services.consents.give(room.id, { ...consentBody(), retentionUntil: localDay(-1) }, { recordedBy: 'test' });
    expect(await count('media', room.id)).toBe(1);

    await leader.stop();
    // The other takes over at once (the lease was let go, not left to expire) and sweeps on taking over.
    await until(() => other.app.services.jobs.leading, 5000);
    await until(async () => (await count('media', room.id, other)) === 0, 10_000);
    const removal = (await other.app.services.db.prepare('SELECT reason FROM media_removals WHERE room_id = ?').get(room.id)) as { reason: string };
    expect(removal.reason).toBe('retention');
  });
});

describe('the rate limits while Redis is away', () => {
  it('counts in each process instead: still limited, still answering', async () => {
    const own = await startRedis();
    const server = await startServer({ REDIS_URL: own.url, TRUST_PROXY: '127.0.0.1', KIJKKAMER_SIGNIN_LIMIT: String(SIGNIN_LIMIT) });
    try {
      const guesser = clientAddress();
      expect((await wrongSignIn(server, guesser)).status).toBe(401);
      await own.stop('SIGKILL');
      // Neither unlimited nor locked: the process counts alone from here on.
      const statuses: number[] = [];
      for (let i = 0; i < SIGNIN_LIMIT; i++) statuses.push((await wrongSignIn(server, guesser)).status);
      expect(statuses).toEqual(Array(SIGNIN_LIMIT).fill(401));
      expect((await wrongSignIn(server, guesser)).status).toBe(429);
      // The right password still signs in (from another address).
      await signedInAdmin(server);
    } finally {
      await server.dispose();
      await own.stop('SIGKILL');
    }
  });
});
