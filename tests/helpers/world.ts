/**
 * A populated server for the capability matrix and the fuzzer: two rooms of one host (A with the
 * default permission table, X with every non-host permission flipped), every role in each, people
 * whose access ended in each (expired session, revoked invite), and another staff member's room B
 * with a participant of its own and objects (invite, version, fragment, upload, traject) whose ids
 * are tried against A. Everything is made through the real API, except the few states only time
 * makes (an expired session), which are set in the database.
 */
import { DEFAULT_PERMISSIONS, INVITE_ROLES, PERMISSIONS, type InviteRole, type PermissionOverrides, type Role } from '../../shared/access/roles.ts';
import type { InviteCreated, Room } from '../../shared/api/schemas.ts';
import { addFragment } from '../../shared/kijkwijzer/doc.ts';
import { addShape } from '../../shared/drawing/doc.ts';
import { addObservation } from '../../shared/notes/doc.ts';
import { hashToken } from '../../server/src/ids.ts';
import { sharedDocName } from '../../server/src/notes/endpoint.ts';
import { HttpClient } from './http.ts';
import { FIXTURE, giveConsent, TusClient } from './media.ts';
import { createRoom, invite, joinAsGuest, signedInAdmin } from './scenario.ts';
import type { TestServer } from './server.ts';

export const OTHER_STAFF = { name: 'Andere Begeleider', email: 'ander@kijkkamer.test', password: 'ander-wachtwoord-123' };
/** Roles the client agreed may watch in every matrix room: some with seeVideo, one without in X. */
export const CONSENT_ROLES: readonly InviteRole[] = ['onderzoeker', 'klantmanager', 'client'];

/** Every permission of every invited role the other way round: proves the answers follow the table, not the defaults. */
export const INVERTED: PermissionOverrides = Object.fromEntries(
  INVITE_ROLES.map((role) => [role, Object.fromEntries(PERMISSIONS.map((p) => [p, !DEFAULT_PERMISSIONS[role][p]]))]),
);

export interface MatrixRoom {
  id: string;
  overrides: PermissionOverrides;
  /** A browser per role; the host's is the staff session. */
  members: Record<Role, HttpClient>;
  expiredParticipant: HttpClient;
  revokedParticipant: HttpClient;
  /** An invite nobody revokes, for refusals of DELETE …/invites/:id, and its token for join/inspect. */
  invite: InviteCreated;
  versionId: number;
  fragmentId: string;
  /** An unfinished tus upload in this room. */
  uploadId: string;
  trajectId: string;
  /** An observation with a drawing (an arrow on its frame). */
  observationId: string;
}

export interface World {
  server: TestServer;
  host: HttpClient;
  /** The host's second browser, whose session is past its idle deadline. */
  expiredStaff: HttpClient;
  otherStaff: HttpClient;
  /** A participant of B, with B's cookie. */
  otherParticipant: HttpClient;
  a: MatrixRoom;
  x: MatrixRoom;
  b: { id: string; inviteId: string; versionId: number; fragmentId: string; uploadId: string; trajectId: string };
}

export const cookieValue = (http: HttpClient, name: string): string => {
  const pair = http.cookieHeader.split('; ').find((c) => c.startsWith(`${name}=`));
  if (!pair) throw new Error(`no cookie ${name}`);
  return pair.slice(name.length + 1);
};

/** Moves a session past its idle deadline, as two unused hours would. */
export async function expireSession(server: TestServer, http: HttpClient, cookie: string): Promise<void> {
  const id = hashToken(cookieValue(http, cookie));
  await server.app.services.db.prepare('UPDATE sessions SET last_seen_at = 0 WHERE token_hash = ?').run(id);
  // Changed behind the session store's back: it must read the row again.
  server.app.services.sessions.forget([id]);
}

export async function ok<T>(res: Promise<{ status: number; body: T }>, status: number, what: string): Promise<T> {
  const r = await res;
  if (r.status !== status) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export async function staffMember(server: TestServer, admin: HttpClient, who: { name: string; email: string; password: string }): Promise<HttpClient> {
  const { token } = await ok(admin.post<{ token: string }>('/api/staff-invites', {}), 201, 'staff invite');
  const http = new HttpClient(server.url);
  await ok(http.post('/api/staff-invites/accept', { token, ...who }), 201, 'accept staff invite');
  return http;
}

/** An unfinished upload in the room (consent must be given and no video attached yet). */
async function unfinishedUpload(http: HttpClient, roomId: string): Promise<string> {
  const url = await new TusClient(http, roomId).start(FIXTURE.byteLength);
  return url.split('/').at(-1)!;
}

async function matrixRoom(server: TestServer, host: HttpClient, title: string, overrides: PermissionOverrides): Promise<MatrixRoom> {
  const room: Room = await createRoom(host, title);
  if (Object.keys(overrides).length > 0) await ok(host.put(`/api/rooms/${room.id}/permissions`, overrides), 200, 'permissions');
  const members = { begeleider: host } as Record<Role, HttpClient>;
  for (const role of INVITE_ROLES) members[role] = (await joinAsGuest(server, room.id, (await invite(host, room.id, role)).token, `Deelnemer ${role}`)).guest;

  const expiredParticipant = (await joinAsGuest(server, room.id, (await invite(host, room.id, 'klantmanager')).token, 'Verlopen')).guest;
  await expireSession(server, expiredParticipant, `kk_room_${room.id}`);
  const revokedInvite = await invite(host, room.id, 'coach');
  const revokedParticipant = (await joinAsGuest(server, room.id, revokedInvite.token, 'Ingetrokken')).guest;
  await ok(host.del(`/api/rooms/${room.id}/invites/${revokedInvite.invite.id}`), 204, 'revoke');

  await giveConsent(host, room.id, { allowedRoles: [...CONSENT_ROLES], fragmentsOutsideRoom: true });
  const uploadId = await unfinishedUpload(host, room.id);
  const uploaded = await new TusClient(host, room.id).upload(FIXTURE);
  if (uploaded.status !== 204) throw new Error(`upload: ${uploaded.status} ${await uploaded.text()}`);
  await ok(host.put(`/api/rooms/${room.id}/media/downloads`, { downloadsAllowed: true }), 200, 'downloads');

  const doc = await server.app.services.notes.getDoc(sharedDocName(room.id));
  const observationId = addObservation(doc, { start: 3, end: 6, themes: ['weerstand'], kind: 'zie', text: 'Cliënt kijkt weg', authorId: 'p', authorName: 'Karin', role: 'klantmanager' });
  addShape(doc, observationId, { id: 'pijl', kind: 'arrow', color: '#1d5f8a', points: [1000, 1000, 6000, 5000] });
  const fragmentId = addFragment(doc, { start: 2, end: 8, title: 'Begin van het gesprek', question: 'Wat zie je?', themes: ['weerstand'] });
  await ok(host.put(`/api/rooms/${room.id}/fragments/${fragmentId}/feedback`, { text: 'Dit voelde goed.' }), 200, 'feedback');
  const { id: versionId } = await ok(host.post<{ id: number }>(`/api/rooms/${room.id}/notes/versions`), 201, 'version');
  const { id: trajectId } = await ok(host.post<{ id: string }>('/api/trajects', { title: `Traject ${title}` }), 201, 'traject');
  await ok(host.put(`/api/rooms/${room.id}/traject`, { trajectId }), 204, 'attach traject');

  return { id: room.id, overrides, members, expiredParticipant, revokedParticipant, invite: await invite(host, room.id, 'meekijker'), versionId, fragmentId, uploadId, trajectId, observationId };
}

export async function buildWorld(server: TestServer): Promise<World> {
  const host = await signedInAdmin(server);
  const expiredStaff = await signedInAdmin(server);
  await expireSession(server, expiredStaff, 'kk_staff');

  const otherStaff = await staffMember(server, host, OTHER_STAFF);
  const roomB = await createRoom(otherStaff, 'Kamer van een ander');
  const bInvite = await invite(otherStaff, roomB.id, 'onderzoeker');
  const otherParticipant = (await joinAsGuest(server, roomB.id, bInvite.token, 'Onderzoeker van B')).guest;
  await giveConsent(otherStaff, roomB.id, { allowedRoles: ['onderzoeker'] });
  const bUpload = await unfinishedUpload(otherStaff, roomB.id);
  const bFragment = addFragment(await server.app.services.notes.getDoc(sharedDocName(roomB.id)), { start: 1, end: 2, title: 'B', question: '', themes: [] });
  const { id: bVersion } = await ok(otherStaff.post<{ id: number }>(`/api/rooms/${roomB.id}/notes/versions`), 201, 'version B');
  const { id: bTraject } = await ok(otherStaff.post<{ id: string }>('/api/trajects', { title: 'Traject van een ander' }), 201, 'traject B');

  return {
    server,
    host,
    expiredStaff,
    otherStaff,
    otherParticipant,
    a: await matrixRoom(server, host, 'Kamer A', {}),
    x: await matrixRoom(server, host, 'Kamer X (omgekeerd)', INVERTED),
    b: { id: roomB.id, inviteId: bInvite.invite.id, versionId: bVersion, fragmentId: bFragment, uploadId: bUpload, trajectId: bTraject },
  };
}
