import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INVITE_ROLES, type InviteRole } from '../../shared/access/roles.ts';
import type { MediaInfo } from '../../shared/api/media-schemas.ts';
import { HttpClient } from '../helpers/http.ts';
import { FIXTURE, giveConsent, TusClient } from '../helpers/media.ts';
import { createRoom, invite, joinAsGuest, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

type ErrorBody = { error: { code: string; message: string } };
const IN_SCOPE: InviteRole[] = ['klantmanager', 'client'];

describe('who may watch: role permission and consent scope', () => {
  let server: TestServer;
  let host: HttpClient;
  let roomId: string;
  const guests = {} as Record<InviteRole, HttpClient>;
  beforeAll(async () => {
    server = await startServer();
    host = await signedInAdmin(server);
    roomId = (await createRoom(host)).id;
    await giveConsent(host, roomId, { allowedRoles: IN_SCOPE });
    const res = await new TusClient(host, roomId).upload(FIXTURE);
    if (res.status !== 204) throw new Error(`upload failed: ${res.status}`);
    for (const role of INVITE_ROLES) {
      const inv = await invite(host, roomId, role);
      guests[role] = (await joinAsGuest(server, roomId, inv.token, `Gast ${role}`)).guest;
    }
  });
  afterAll(() => server.dispose());

  const video = (client: HttpClient, range = 'bytes=0-99') => client.request<ErrorBody | string>('GET', `/api/rooms/${roomId}/media/video`, undefined, { range });

  it.each(INVITE_ROLES.map((r) => [r, IN_SCOPE.includes(r)] as const))('%s: in consent scope → %s', async (role, allowed) => {
    const guest = guests[role];
    const res = await video(guest);
    const info = await guest.get<MediaInfo>(`/api/rooms/${roomId}/media`);
    if (allowed) {
      expect(res.status).toBe(206);
      expect(info.body).toMatchObject({ access: 'allowed', hasVideo: true, video: { src: `/api/rooms/${roomId}/media/video` } });
      const poster = await guest.request('GET', `/api/rooms/${roomId}/media/poster`);
      expect(poster.status).toBe(info.body.video?.posterSrc ? 200 : 404);
    } else {
      expect(res.status).toBe(403);
      expect((res.body as ErrorBody).error).toEqual({ code: 'forbidden', message: 'The client did not consent to your role watching this video.' });
      expect((await guest.request('HEAD', `/api/rooms/${roomId}/media/video`)).status).toBe(403);
      expect((await guest.get(`/api/rooms/${roomId}/media/poster`)).status).toBe(403);
      // They learn there is a video and why they cannot see it, but nothing about it.
      expect(info.body).toMatchObject({ access: 'role_not_in_consent', hasVideo: true, video: null });
    }
  });

  it('always lets the host watch', async () => {
    expect((await video(host)).status).toBe(206);
    expect((await host.get<MediaInfo>(`/api/rooms/${roomId}/media`)).body.access).toBe('allowed');
  });

  it('answers 401 without a session and 403 for staff who are not in the room', async () => {
    expect((await video(new HttpClient(server.url))).status).toBe(401);
    const inv = await host.post<{ token: string }>('/api/staff-invites', {});
    const other = new HttpClient(server.url);
    await other.post('/api/staff-invites/accept', { token: inv.body.token, name: 'Ander', email: 'ander@kijkkamer.test', password: 'ander-wachtwoord-1' });
    expect((await video(other)).status).toBe(403);
  });

  it('applies a new consent version at once, in both directions', async () => {
    await giveConsent(host, roomId, { allowedRoles: ['klantmanager', 'client', 'coach'] });
    expect((await video(guests.coach)).status).toBe(206);
    await giveConsent(host, roomId, { allowedRoles: ['klantmanager'] });
    expect((await video(guests.client)).status).toBe(403);
    expect((await video(guests.coach)).status).toBe(403);
    expect((await video(guests.klantmanager)).status).toBe(206);
    await giveConsent(host, roomId, { allowedRoles: IN_SCOPE });
  });

  it('also needs the seeVideo permission: the host can take it away per room', async () => {
    await host.put(`/api/rooms/${roomId}/permissions`, { klantmanager: { seeVideo: false } });
    const res = await video(guests.klantmanager);
    expect(res.status).toBe(403);
    expect((res.body as ErrorBody).error.message).toMatch(/role in this room does not allow/);
    expect((await guests.klantmanager.get<MediaInfo>(`/api/rooms/${roomId}/media`)).body.access).toBe('no_permission');
    await host.put(`/api/rooms/${roomId}/permissions`, {});
    expect((await video(guests.klantmanager)).status).toBe(206);
  });
});
