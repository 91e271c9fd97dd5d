import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Invite, Participant, Room, RoomView } from '../../shared/api/schemas.ts';
import { HttpClient } from '../helpers/http.ts';
import { createRoom, invite, joinAsGuest, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

type ErrorBody = { error: { code: string; message: string } };

describe('rooms, invites and joining', () => {
  let server: TestServer;
  let host: HttpClient;
  beforeAll(async () => {
    server = await startServer();
    host = await signedInAdmin(server);
  });
  afterAll(() => server.dispose());

  it('creates rooms and lists them newest first', async () => {
    const a = await createRoom(host, 'Eerste gesprek');
    const b = await createRoom(host, 'Tweede gesprek');
    const list = await host.get<{ rooms: Room[] }>('/api/rooms');
    expect(list.status).toBe(200);
    expect(list.body.rooms.map((r) => r.id).slice(0, 2)).toEqual([b.id, a.id]);
    expect(list.body.rooms[0]).toMatchObject({ title: 'Tweede gesprek', recordedOn: '2026-11-20', hostName: 'Beheerder' });
  });

  it('makes the creator the host with every permission', async () => {
    const room = await createRoom(host);
    const view = await host.get<RoomView>(`/api/rooms/${room.id}`);
    expect(view.body.me.role).toBe('begeleider');
    expect(Object.values(view.body.me.permissions).every(Boolean)).toBe(true);
  });

  it('validates room bodies', async () => {
    const empty = await host.post<ErrorBody>('/api/rooms', { title: '   ' });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toMatch(/title/);
    const badDate = await host.post<ErrorBody>('/api/rooms', { title: 'x', recordedOn: '20-11-2026' });
    expect(badDate.status).toBe(400);
    expect(badDate.body.error.message).toMatch(/recordedOn/);
    const tooLong = await host.post<ErrorBody>('/api/rooms', { title: 'x'.repeat(121) });
    expect(tooLong.status).toBe(400);
  });

  it('answers 404 for an unknown room and 400 for a malformed id', async () => {
    expect((await host.get<ErrorBody>('/api/rooms/AAAAAAAAAAAAAAAA')).status).toBe(404);
    expect((await host.get<ErrorBody>('/api/rooms/x')).status).toBe(400);
  });

  it('keeps rooms away from strangers: 401 without a session, 403 for other staff', async () => {
    const room = await createRoom(host);
    expect((await new HttpClient(server.url).get(`/api/rooms/${room.id}`)).status).toBe(401);
    const inv = await host.post<{ token: string }>('/api/staff-invites', {});
    const other = new HttpClient(server.url);
    await other.post('/api/staff-invites/accept', { token: inv.body.token, name: 'Ander', email: 'ander@kijkkamer.test', password: 'ander-wachtwoord-1' });
    expect((await other.get(`/api/rooms/${room.id}`)).status).toBe(403);
    expect((await other.get<{ rooms: Room[] }>('/api/rooms')).body.rooms).toEqual([]);
  });

  it('lets a guest join with an invite link; role and name come from the server', async () => {
    const room = await createRoom(host);
    const km = await invite(host, room.id, 'klantmanager');
    expect(km.url).toBe(`${server.url}/join/${room.id}#${km.token}`);
    const info = await new HttpClient(server.url).post<{ roomTitle: string; role: string }>('/api/invites/inspect', { token: km.token });
    expect(info.body).toMatchObject({ roomTitle: room.title, role: 'klantmanager' });
    const { guest, view } = await joinAsGuest(server, room.id, km.token, 'Karin');
    expect(view.me).toMatchObject({ name: 'Karin', role: 'klantmanager' });
    expect(view.me.permissions.manageRoom).toBe(false);
    const again = await guest.get<RoomView>(`/api/rooms/${room.id}`);
    expect(again.body.me.participantId).toBe(view.me.participantId);
    expect((await guest.get(`/api/rooms/${room.id}/invites`)).status).toBe(403);
    const people = await host.get<{ participants: Participant[] }>(`/api/rooms/${room.id}/participants`);
    expect(people.body.participants.map((p) => [p.name, p.role])).toEqual([
      ['Beheerder', 'begeleider'],
      ['Karin', 'klantmanager'],
    ]);
  });

  it('refuses wrong, revoked and expired tokens, and revoking ends existing sessions', async () => {
    const room = await createRoom(host);
    const coach = await invite(host, room.id, 'coach');
    const { guest } = await joinAsGuest(server, room.id, coach.token, 'Coen');
    const wrong = await new HttpClient(server.url).post<ErrorBody>(`/api/rooms/${room.id}/join`, { token: 'A'.repeat(43), displayName: 'X' });
    expect(wrong.status).toBe(401);

    expect((await host.del(`/api/rooms/${room.id}/invites/${coach.invite.id}`)).status).toBe(204);
    const revoked = await new HttpClient(server.url).post<ErrorBody>(`/api/rooms/${room.id}/join`, { token: coach.token, displayName: 'Coen' });
    expect(revoked.status).toBe(403);
    expect(revoked.body.error.message).toMatch(/withdrawn/);
    expect((await guest.get(`/api/rooms/${room.id}`)).status).toBe(401);
    const list = await host.get<{ invites: Invite[] }>(`/api/rooms/${room.id}/invites`);
    expect(list.body.invites[0]).toMatchObject({ id: coach.invite.id, revokedAt: expect.any(Number), joinedCount: 1 });
    expect(JSON.stringify(list.body)).not.toContain(coach.token);

    const expiring = await invite(host, room.id, 'collega', 1);
    const later = Date.now() + 2 * 86_400_000;
    expect(await server.app.services.invites.check(expiring.token, later)).toEqual({ ok: false, reason: 'expired' });
  });

  it('does not let a token for one room open another', async () => {
    const a = await createRoom(host);
    const b = await createRoom(host);
    const inv = await invite(host, a.id, 'collega');
    const res = await new HttpClient(server.url).post<ErrorBody>(`/api/rooms/${b.id}/join`, { token: inv.token, displayName: 'Cor' });
    expect(res.status).toBe(401);
  });

  it('lets the host adjust permissions per room', async () => {
    const room = await createRoom(host);
    const inv = await invite(host, room.id, 'meekijker');
    const { guest } = await joinAsGuest(server, room.id, inv.token, 'Mees');
    const put = await host.put<Record<string, { editObservations: boolean }>>(`/api/rooms/${room.id}/permissions`, { meekijker: { editObservations: true } });
    expect(put.status).toBe(200);
    expect(put.body.meekijker!.editObservations).toBe(true);
    expect((await guest.get<RoomView>(`/api/rooms/${room.id}`)).body.me.permissions.editObservations).toBe(true);
    expect((await guest.put(`/api/rooms/${room.id}/permissions`, { meekijker: { manageRoom: true } })).status).toBe(403);
    expect((await host.put(`/api/rooms/${room.id}/permissions`, { begeleider: { manageRoom: false } })).status).toBe(400);
  });

  it('deletes a room with everything in it', async () => {
    const room = await createRoom(host);
    const inv = await invite(host, room.id, 'client');
    const { guest } = await joinAsGuest(server, room.id, inv.token, 'B.');
    expect((await guest.del(`/api/rooms/${room.id}`)).status).toBe(403);
    expect((await host.del(`/api/rooms/${room.id}`)).status).toBe(204);
    expect((await host.get(`/api/rooms/${room.id}`)).status).toBe(404);
    const db = server.app.services.db;
    for (const table of ['invites', 'participants']) {
      expect(await db.prepare(`SELECT count(*) AS n FROM ${table} WHERE room_id = ?`).get(room.id)).toEqual({ n: 0 });
    }
  });
});

describe('room creation limits', () => {
  it('rate-limits creating many rooms in a minute', async () => {
    const server = await startServer({ KIJKKAMER_ROOM_LIMIT: '3' });
    try {
      const host = await signedInAdmin(server);
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await host.post('/api/rooms', { title: `Kamer ${i}` })).status);
      expect(statuses).toEqual([201, 201, 201, 429, 429]);
    } finally {
      await server.dispose();
    }
  });
});
