import type { InviteCreated, Room, RoomView } from '../../shared/api/schemas.ts';
import type { InviteRole } from '../../shared/access/roles.ts';
import { HttpClient } from './http.ts';
import { ADMIN, type TestServer } from './server.ts';

export async function signedInAdmin(server: TestServer): Promise<HttpClient> {
  const host = new HttpClient(server.url);
  const res = await host.post('/api/auth/signin', ADMIN);
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${JSON.stringify(res.body)}`);
  return host;
}

export async function createRoom(host: HttpClient, title = 'Gesprek met mevrouw B.'): Promise<Room> {
  const res = await host.post<Room>('/api/rooms', { title, recordedOn: '2026-11-20' });
  if (res.status !== 201) throw new Error(`create room failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function invite(host: HttpClient, roomId: string, role: InviteRole, expiresInDays?: number): Promise<InviteCreated> {
  const res = await host.post<InviteCreated>(`/api/rooms/${roomId}/invites`, { role, ...(expiresInDays ? { expiresInDays } : {}) });
  if (res.status !== 201) throw new Error(`invite failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A guest in a fresh "browser": opens the link, exchanges its token for a room cookie. */
export async function joinAsGuest(server: TestServer, roomId: string, token: string, displayName: string): Promise<{ guest: HttpClient; view: RoomView }> {
  const guest = new HttpClient(server.url);
  const res = await guest.post<RoomView>(`/api/rooms/${roomId}/join`, { token, displayName });
  if (res.status !== 201) throw new Error(`join failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { guest, view: res.body };
}
