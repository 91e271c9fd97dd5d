import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../helpers/http.ts';
import { createRoom, invite, joinAsGuest, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { connected, connectError, presenceUntil, roomSocket, type TestSocket } from '../helpers/sockets.ts';

describe('room presence over socket.io', () => {
  let server: TestServer;
  let host: HttpClient;
  const sockets: TestSocket[] = [];
  const open = (http: HttpClient, roomId: string) => {
    const s = roomSocket(http, roomId);
    sockets.push(s);
    return s;
  };
  beforeAll(async () => {
    server = await startServer();
    host = await signedInAdmin(server);
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await server.dispose();
  });

  it('shows host, klantmanager and coach to each other as they arrive and leave', async () => {
    const room = await createRoom(host);
    const { guest: km } = await joinAsGuest(server, room.id, (await invite(host, room.id, 'klantmanager')).token, 'Karin');
    const { guest: coach } = await joinAsGuest(server, room.id, (await invite(host, room.id, 'coach')).token, 'Coen');
    const hostSocket = open(host, room.id);
    await connected(hostSocket);
    const allThree = presenceUntil(hostSocket, (o) => o.length === 3);
    const kmSocket = open(km, room.id);
    const coachSocket = open(coach, room.id);
    await Promise.all([connected(kmSocket), connected(coachSocket)]);
    const online = await allThree;
    expect(online.map((p) => `${p.name}:${p.role}`).sort()).toEqual(['Beheerder:begeleider', 'Coen:coach', 'Karin:klantmanager']);

    const coachGone = presenceUntil(kmSocket, (o) => o.length === 2);
    coachSocket.disconnect();
    expect((await coachGone).some((p) => p.name === 'Coen')).toBe(false);
  });

  it('counts two tabs of one participant as one person', async () => {
    const room = await createRoom(host);
    const first = open(host, room.id);
    await connected(first);
    const twoTabs = presenceUntil(first, (o) => o[0]?.connections === 2);
    const second = open(host, room.id);
    await connected(second);
    const online = await twoTabs;
    expect(online).toHaveLength(1);
    second.disconnect();
    expect(await presenceUntil(first, (o) => o[0]?.connections === 1)).toHaveLength(1);
  });

  it('refuses handshakes without, with wrong or with foreign credentials', async () => {
    const room = await createRoom(host);
    const stranger = new HttpClient(server.url);
    expect(await connectError(open(stranger, room.id))).toMatchObject({ code: 'unauthorised' });
    const forged = new HttpClient(server.url);
    forged.setCookie(`kk_room_${room.id}`, 'A'.repeat(43));
    expect(await connectError(open(forged, room.id))).toMatchObject({ code: 'unauthorised' });
    expect(await connectError(open(host, 'AAAAAAAAAAAA'))).toMatchObject({ code: 'not_found' });
    expect(await connectError(open(host, '../../etc'))).toMatchObject({ code: 'bad_request' });
  });

  it("refuses a handshake whose URL names no room, or another room than auth.roomId (a proxy routes by the URL)", async () => {
    const room = await createRoom(host);
    const other = await createRoom(host);
    const withQuery = (query: Record<string, string>) =>
      connect(host.base, { auth: { roomId: room.id }, query, extraHeaders: { cookie: host.cookieHeader }, transports: ['websocket'], reconnection: false, forceNew: true });
    expect(await connectError(withQuery({}))).toMatchObject({ code: 'bad_request' });
    expect(await connectError(withQuery({ room: other.id }))).toMatchObject({ code: 'bad_request' });
    const agreeing = withQuery({ room: room.id });
    await connected(agreeing);
    agreeing.disconnect();
  });

  it('ends the live connection of a participant whose link is revoked, and refuses them afterwards', async () => {
    const room = await createRoom(host);
    const coachInvite = await invite(host, room.id, 'coach');
    const { guest } = await joinAsGuest(server, room.id, coachInvite.token, 'Coen');
    const socket = open(guest, room.id);
    await connected(socket);
    const ended = new Promise<{ code: string }>((resolve) => socket.once('session:ended', resolve));
    expect((await host.del(`/api/rooms/${room.id}/invites/${coachInvite.invite.id}`)).status).toBe(204);
    expect((await ended).code).toBe('forbidden');
    expect(await connectError(open(guest, room.id))).toMatchObject({ code: 'unauthorised' });
  });

  it('applies a changed permission table to live connections without dropping them', async () => {
    const room = await createRoom(host);
    const { guest } = await joinAsGuest(server, room.id, (await invite(host, room.id, 'meekijker')).token, 'Mees');
    const socket = open(guest, room.id);
    await connected(socket);
    const changed = new Promise<{ editObservations: boolean }>((resolve) => socket.once('access:changed', resolve));
    expect((await host.put(`/api/rooms/${room.id}/permissions`, { meekijker: { editObservations: true } })).status).toBe(200);
    expect((await changed).editObservations).toBe(true);
    expect(socket.connected).toBe(true);
  });

  it('answers a time ping with the server clock', async () => {
    const room = await createRoom(host);
    const socket = open(host, room.id);
    await connected(socket);
    const before = Date.now();
    const serverTime = await new Promise<number>((resolve) => socket.emit('ping:time', resolve));
    expect(serverTime).toBeGreaterThanOrEqual(before - 5);
    expect(serverTime).toBeLessThanOrEqual(Date.now() + 5);
  });
});
