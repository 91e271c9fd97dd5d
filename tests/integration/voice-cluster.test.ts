/**
 * The call log with several processes on one database: two cluster members in this test process
 * (each its own server, Redis connections and database connection), on a real redis-server and
 * one SQLite file, as two Kijkkamer processes behind the proxy have them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVoiceStore } from '../../server/src/voice/store.ts';
import { testRedis } from '../helpers/cluster.ts';
import { HttpClient } from '../helpers/http.ts';
import { until } from '../helpers/playhead.ts';
import { createRoom, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { VoiceClient } from '../helpers/voice.ts';

describe('the call log with several processes on one database', () => {
  let redis: Awaited<ReturnType<typeof testRedis>>;
  let a: TestServer;
  let b: TestServer | null = null;
  let host: HttpClient;
  const clients: VoiceClient[] = [];
  const join = async (http: HttpClient, roomId: string) => {
    const client = await VoiceClient.join(http, roomId);
    clients.push(client);
    return client;
  };
  /** The same browser (its cookies) talking to another process. */
  const sameBrowser = (http: HttpClient, server: TestServer) => {
    const other = new HttpClient(server.url);
    for (const pair of http.cookieHeader.split('; ')) other.setCookie(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
    return other;
  };
  // Read from the database: asking a process for the room's log over HTTP would have it take the room.
  const logOf = (roomId: string) => createVoiceStore(a.app.services.db).entries(roomId);

  beforeAll(async () => {
    redis = await testRedis();
    a = await startServer({ REDIS_URL: redis.url });
    host = await signedInAdmin(a);
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await b?.stop();
    await a?.dispose();
    await redis?.stop();
  });

  it('a process that starts leaves the calls other processes serve open', async () => {
    const room = await createRoom(host);
    await join(host, room.id);
    expect(await logOf(room.id)).toMatchObject([{ name: 'Beheerder', leftAt: null }]);

    b = await startServer({ REDIS_URL: redis.url }, a.dataDir);
    // A call on the new process: its line is written after anything it closes when it starts.
    const elsewhere = await createRoom(host, 'Elders');
    await join(sameBrowser(host, b), elsewhere.id);
    expect(await logOf(elsewhere.id)).toMatchObject([{ leftAt: null }]);

    expect(await logOf(room.id)).toMatchObject([{ name: 'Beheerder', leftAt: null }]);
  });

  it('ends the lines a dead owner left open when another process takes the room over, before the new owner writes its own', async () => {
    const room = await createRoom(host);
    const first = await join(host, room.id);
    first.close();
    await until(async () => (await logOf(room.id))[0]!.leftAt !== null, 'the line closed on leaving');
    // As if the room's process had died (kill -9) before writing the end: the line is open in the database.
    await a.app.services.db.prepare('UPDATE call_log SET left_at = NULL WHERE room_id = ?').run(room.id);
    const before = Date.now();

    // Joining through the other process: it takes the room over, and the open line ends there.
    await join(sameBrowser(host, b!), room.id);
    const log = await logOf(room.id);
    expect(log).toHaveLength(2);
    expect(log[0]!.leftAt).toBeGreaterThanOrEqual(before);
    expect(log[1]).toMatchObject({ leftAt: null });
    expect(log[1]!.joinedAt).toBeGreaterThanOrEqual(log[0]!.leftAt!);
  });
});
