import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoomView } from '../../shared/api/schemas.ts';
import { createRoom, invite, joinAsGuest, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

describe('a guest leaves a room', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
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
});
