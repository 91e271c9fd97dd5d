import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoomView } from '../../shared/api/schemas.ts';
import { createRoom, invite, joinAsGuest, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { connected, connectError, presenceUntil, roomSocket, type TestSocket } from '../helpers/sockets.ts';
import { closeCode, openProvider, synced, type TestProvider } from '../helpers/yjs.ts';

describe('a guest leaves a room', () => {
  let server: TestServer;
  const sockets: TestSocket[] = [];
  const providers: TestProvider[] = [];
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    for (const p of providers) p.destroy();
    for (const s of sockets) s.disconnect();
    await server?.dispose();
  });

  it('ends this browser’s room session and clears its cookie; the invite link still lets them back in', async () => {
    const host = await signedInAdmin(server);
    const room = await createRoom(host);
    const { token } = await invite(host, room.id, 'coach');
    const { guest } = await joinAsGuest(server, room.id, token, 'Coen');
    const stolenCookie = guest.cookieHeader;
    expect((await guest.get<RoomView>(`/api/rooms/${room.id}`)).status).toBe(200);

    const left = await guest.post(`/api/rooms/${room.id}/leave`);
    expect(left.status).toBe(204);
    expect(left.headers.getSetCookie().join(';')).toMatch(new RegExp(`kk_room_${room.id}=;`));
    expect((await guest.get(`/api/rooms/${room.id}`)).status).toBe(401);
    // The old cookie value itself is dead on the server, not only forgotten by this browser.
    const replay = await fetch(`${server.url}/api/rooms/${room.id}`, { headers: { cookie: stolenCookie } });
    expect(replay.status).toBe(401);
    // Leaving twice, or without a session, is fine and changes nothing for others.
    expect((await guest.post(`/api/rooms/${room.id}/leave`)).status).toBe(204);
    expect((await host.get(`/api/rooms/${room.id}`)).status).toBe(200);

    const back = await guest.post<RoomView>(`/api/rooms/${room.id}/join`, { token, displayName: 'Coen' });
    expect(back.status).toBe(201);
  });

  it('ends the guest’s connections in every tab: both socket.io connections and the shared and private documents, and only theirs', async () => {
    const host = await signedInAdmin(server);
    const room = await createRoom(host);
    const { guest } = await joinAsGuest(server, room.id, (await invite(host, room.id, 'klantmanager')).token, 'Karin');
    const socket = (http: typeof host) => {
      const s = roomSocket(http, room.id);
      sockets.push(s);
      return s;
    };
    const provider = (name: string) => {
      const p = openProvider(guest, name);
      providers.push(p);
      return p;
    };
    // Two tabs of one browser: one cookie, one session, two of everything.
    const hostSocket = socket(host);
    const tabs = [socket(guest), socket(guest)];
    await Promise.all([hostSocket, ...tabs].map(connected));
    const docs = [provider(room.id), provider(room.id), provider(`${room.id}/private`)];
    await Promise.all(docs.map(synced));
    const guestGone = presenceUntil(hostSocket, (online) => online.every((p) => p.name !== 'Karin'));

    const endings = tabs.map((s) => new Promise<{ code: string }>((resolve) => s.once('session:ended', resolve)));
    const disconnects = tabs.map((s) => new Promise<string>((resolve) => s.once('disconnect', resolve)));
    const codes = Promise.all(docs.map(closeCode));
    expect((await guest.post(`/api/rooms/${room.id}/leave`)).status).toBe(204);

    expect((await Promise.all(endings)).map((e) => e.code)).toEqual(['unauthorised', 'unauthorised']);
    // Ended by the server: the client does not try again on its own.
    expect(await Promise.all(disconnects)).toEqual(['io server disconnect', 'io server disconnect']);
    expect(await codes).toEqual([4401, 4401, 4401]);
    await guestGone;
    expect(hostSocket.connected).toBe(true);
    // A tab that tries again with the cookie it had is refused.
    expect(await connectError(socket(guest))).toMatchObject({ code: 'unauthorised' });
  });
});
