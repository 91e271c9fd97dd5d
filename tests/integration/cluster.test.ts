/**
 * Three compiled Kijkkamer processes behind a real HAProxy, sharing one data directory (the second
 * suite a PostgreSQL database instead of the SQLite file) and a real Redis: people in a room
 * connect through the proxy with the real clients (socket.io-client with its own reconnection,
 * y-websocket's provider), and processes are killed with SIGKILL.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '../../shared/api/schemas.ts';
import { addObservation, readObservations, type ObservationInit } from '../../shared/notes/doc.ts';
import { roomQuery } from '../../shared/realtime/events.ts';
import { signIn } from '../helpers/child.ts';
import { startCluster, type TestCluster } from '../helpers/cluster.ts';
import { HttpClient } from '../helpers/http.ts';
import { PlayheadPeer } from '../helpers/playhead.ts';
import { createRoom, invite } from '../helpers/scenario.ts';
import { connected, presenceUntil, type TestSocket } from '../helpers/sockets.ts';
import { openProvider, synced, until, type TestProvider } from '../helpers/yjs.ts';

const note = (text: string, start: number): ObservationInit => ({ start, end: null, themes: ['weerstand'], kind: 'zie', text, authorId: 'p', authorName: 'Karin', role: 'klantmanager' });
const texts = (p: TestProvider) => readObservations(p.doc).map((o) => o.text).sort();
/** Back in the room after a failover: within the lease time plus reconnect backoff, with room to spare on a loaded machine. */
const BACK_WITHIN_MS = 60_000;

describe.each(['sqlite', 'postgres'] as const)('several processes behind HAProxy, sharing %s', (store) => {
  let cluster: TestCluster;
  let host: HttpClient;
  const sockets: TestSocket[] = [];
  const providers: TestProvider[] = [];

  /** A participant's socket.io connection as the browser makes it: through the proxy, reconnecting by itself. */
  const socketOf = (http: HttpClient, roomId: string): TestSocket => {
    const s = connect(cluster.url, { auth: { roomId }, query: roomQuery(roomId), extraHeaders: { cookie: http.cookieHeader }, transports: ['websocket'], forceNew: true }) as TestSocket;
    sockets.push(s);
    return s;
  };
  const providerOf = (http: HttpClient, roomId: string): TestProvider => {
    const p = openProvider(http, roomId);
    providers.push(p);
    return p;
  };
  const guest = async (room: Room, role: 'klantmanager' | 'coach', name: string): Promise<HttpClient> => {
    const http = new HttpClient(cluster.url);
    const res = await http.post(`/api/rooms/${room.id}/join`, { token: (await invite(host, room.id, role)).token, displayName: name });
    expect(res.status).toBe(201);
    return http;
  };
  const bothOnline = (s: TestSocket) => presenceUntil(s, (online) => online.length === 2);
  const inStep = (a: TestProvider, b: TestProvider) => a.provider.wsconnected && b.provider.wsconnected && a.provider.synced && b.provider.synced;

  /** Two people in a room, each on a socket.io connection and a Yjs provider, seeing each other. */
  async function twoPeople(room: Room) {
    const km = await guest(room, 'klantmanager', 'Karin');
    const coach = await guest(room, 'coach', 'Coen');
    const [sa, sb] = [socketOf(km, room.id), socketOf(coach, room.id)];
    const seen = Promise.all([bothOnline(sa), bothOnline(sb)]);
    await Promise.all([connected(sa), connected(sb)]);
    await seen;
    const [pa, pb] = [providerOf(km, room.id), providerOf(coach, room.id)];
    await Promise.all([synced(pa), synced(pb)]);
    return { km, coach, sa, sb, pa, pb };
  }

  beforeAll(async () => {
    cluster = await startCluster(3, {}, { store });
    host = await signIn(cluster.url);
  }, 180_000);
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    for (const p of providers) p.destroy();
    await cluster?.dispose();
  });

  it("carries a room on elsewhere when its process is killed, and hands it back cleanly when that process returns", { timeout: 180_000 }, async () => {
    // The processes share the store under test (no SQLite file beside the media on PostgreSQL).
    expect(existsSync(join(cluster.dataDir, 'kijkkamer.sqlite'))).toBe(store === 'sqlite');
    const room = await createRoom(host);
    const { sa, sb, pa, pb } = await twoPeople(room);
    // Acknowledged: the other person has it, and the hub stores an update before it broadcasts it.
    const written = [1, 2, 3, 4, 5].map((i) => (addObservation(pa.doc, note(`notitie ${i}`, i * 10)), `notitie ${i}`));
    await until(() => texts(pb).length === written.length, BACK_WITHIN_MS);

    // The host has moved the shared playhead to a frame: the timeline is written through, so the
    // process that takes the room over opens it on that frame.
    const steering = await PlayheadPeer.join(host, room.id);
    expect(await steering.command({ type: 'seek', position: 12.3 })).toMatchObject({ ok: true });
    const before = steering.latest;
    expect(before).toMatchObject({ paused: true });
    steering.close();

    const owner = await cluster.ownerOf(room.id);
    expect(owner).not.toBeNull();
    const backOnline = Promise.all([bothOnline(sa), bothOnline(sb)]);
    const reconnected = Promise.all([sa, sb].map((s) => new Promise((resolve) => s.io.once('reconnect', resolve))));
    await cluster.kill(owner!);

    await reconnected;
    await backOnline;
    await until(() => inStep(pa, pb), BACK_WITHIN_MS);
    const successor = await cluster.ownerOf(room.id);
    expect(successor).not.toBeNull();
    expect(successor).not.toBe(owner);
    expect(texts(pa)).toEqual(written);
    expect(texts(pb)).toEqual(written);
    const afterFailover = await PlayheadPeer.join(host, room.id);
    expect(afterFailover.latest).toMatchObject({ paused: true, position: before.position });
    afterFailover.close();
    // And the room goes on: a note after the failover reaches the other person, and a newcomer
    // reads everything from the new process.
    addObservation(pb.doc, note('na de overstap', 60));
    await until(() => texts(pa).includes('na de overstap'), BACK_WITHIN_MS);
    const late = providerOf(host, room.id);
    await synced(late);
    expect(texts(late)).toEqual([...written, 'na de overstap'].sort());

    // The killed process returns on its port: the proxy's hash sends the room back to it, and the
    // room's current process hands it over — connections closed with 4500 (reconnect) and moved.
    const moved = new Promise<number>((resolve) => pa.provider.once('connection-close', (event: { code: number } | null) => resolve(event?.code ?? 0)));
    await cluster.restart(owner!);
    const returned = `p${owner! + 1}`;
    // Each request lands on the room's current process until the proxy sees the returned one up;
    // the first to reach it makes it take the room over.
    for (let servedBy = ''; servedBy !== returned; ) {
      const res = await host.get(`/api/rooms/${room.id}`);
      expect(res.status).toBe(200);
      servedBy = res.headers.get('x-served-by') ?? '';
      if (servedBy !== returned) await new Promise((r) => setTimeout(r, 200));
    }
    expect(await moved).toBe(4500);
    await until(() => inStep(pa, pb) && sa.connected && sb.connected, BACK_WITHIN_MS);
    expect(await cluster.ownerOf(room.id)).toBe(owner);
    addObservation(pa.doc, note('terug bij de eerste', 70));
    await until(() => texts(pb).includes('terug bij de eerste'), BACK_WITHIN_MS);
    expect(texts(pb)).toEqual([...written, 'na de overstap', 'terug bij de eerste'].sort());
    const afterHandover = await PlayheadPeer.join(host, room.id);
    expect(afterHandover.latest).toMatchObject({ paused: true, position: before.position });
    afterHandover.close();
  });

  // The failover is what rests on the shared store; the signals are checked once, on the default one.
  if (store === 'sqlite') {
    it('cuts a revoked person off everywhere when the invite is revoked through another process', { timeout: 120_000 }, async () => {
      const room = await createRoom(host);
      const { sa, sb, pa, pb } = await twoPeople(room);
      const owner = (await cluster.ownerOf(room.id))!;
      const other = cluster.processes.findIndex((p, i) => p !== null && i !== owner);
      // The host's own browser talking to another process directly (a proxy that has not caught up).
      const elsewhere = new HttpClient(cluster.processes[other]!.url);
      for (const pair of host.cookieHeader.split('; ')) elsewhere.setCookie(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
      const invites = await elsewhere.get<{ invites: { id: string; role: string }[] }>(`/api/rooms/${room.id}/invites`);
      const coachInvite = invites.body.invites.find((i) => i.role === 'coach')!;

      const alone = presenceUntil(sa, (online) => online.length === 1);
      const ended = new Promise<{ code: string }>((resolve) => sb.once('session:ended', resolve));
      const closed = new Promise<number>((resolve) => pb.provider.once('connection-close', (event: { code: number } | null) => resolve(event?.code ?? 0)));
      expect((await elsewhere.del(`/api/rooms/${room.id}/invites/${coachInvite.id}`)).status).toBe(204);
      expect((await ended).code).toBe('forbidden');
      expect(await closed).toBe(4403);
      // The other person stays, on the same process.
      expect(await alone).toMatchObject([{ name: 'Karin' }]);
      expect(sa.connected && pa.provider.wsconnected).toBe(true);
      expect(await cluster.ownerOf(room.id)).toBe(owner);
    });

    it("ends a staff member's connections on every process when they sign out on one", { timeout: 120_000 }, async () => {
      const room = await createRoom(host);
      // The same account on a second device: its own session, which the sign-out ends.
      const laptop = await signIn(cluster.url);
      const socket = socketOf(laptop, room.id);
      await connected(socket);
      const owner = (await cluster.ownerOf(room.id))!;
      const other = cluster.processes.findIndex((p, i) => p !== null && i !== owner);
      const direct = new HttpClient(cluster.processes[other]!.url);
      for (const pair of laptop.cookieHeader.split('; ')) direct.setCookie(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
      const ended = new Promise<{ code: string }>((resolve) => socket.once('session:ended', resolve));
      expect((await direct.post('/api/auth/signout', {})).status).toBe(204);
      expect((await ended).code).toBe('unauthorised');
      // The first device's session is another one: still signed in.
      expect((await host.get('/api/rooms')).status).toBe(200);
    });
  }
});
