/**
 * Every HTTP route of the server, with who may call it (the documented rule) and a request that
 * succeeds for whoever may: the registry behind the capability matrix and the fuzzer. A route the
 * server has and this registry lacks (or the other way round) fails the matrix.
 */
import type { TSchema } from 'typebox';
import { permissionsFor, type Permission, type Role } from '../../shared/access/roles.ts';
import { ConsentBodySchema, ByoBodySchema, DownloadSettingsBodySchema, PlayBodySchema, WithdrawBodySchema, ConversionBodySchema } from '../../shared/api/media-schemas.ts';
import {
  AttachRoomBodySchema,
  CreateTrajectBodySchema,
  FeedbackBodySchema,
  FeedbackRolesBodySchema,
  RevealBodySchema,
} from '../../shared/api/kijkwijzer-schemas.ts';
import { EXPORT_FORMATS, ExportQuerySchema, ImportBodySchema, ImportPreviewBodySchema, ReportQuerySchema } from '../../shared/api/reports-schemas.ts';
import {
  AcceptStaffInviteBodySchema,
  CreateInviteBodySchema,
  CreateRoomBodySchema,
  InspectInviteBodySchema,
  JoinBodySchema,
  PermissionOverridesBodySchema,
  SignInBodySchema,
  StaffInviteBodySchema,
} from '../../shared/api/schemas.ts';
import { CorrectionSchema, RunBodySchema } from '../../shared/spreektijd/schemas.ts';
import { DEFAULT_FEEDBACK_ROLES } from '../../server/src/kijkwijzer/feedback-store.ts';
import { HttpClient } from './http.ts';
import { consentBody, FIXTURE, localDay } from './media.ts';
import { ADMIN } from './server.ts';
import { CONSENT_ROLES, ok, type MatrixRoom, type World } from './world.ts';

/** Who may call a route. Room rules are decided for the caller's role in that room's permission table. */
export type Rule =
  | { kind: 'public' }
  | { kind: 'staff' }
  | { kind: 'admin' }
  /** The traject's owner; other staff get 404 (a traject's title may name a client). */
  | { kind: 'trajectOwner' }
  /** Anyone in the room, or only roles with this permission. */
  | { kind: 'room'; need?: Permission }
  /** The room's owner alone (the permission table). */
  | { kind: 'roomOwner' }
  /** Watching the video: the host, or seeVideo and a role the consent names. */
  | { kind: 'watch' }
  /** Downloading it: watching, and downloads switched on (they are in the matrix rooms). */
  | { kind: 'download' }
  /** A .qdpx with the video inside: export and download. */
  | { kind: 'exportVideo' }
  /** Client feedback: writers (manageRoom, onderzoeker), the host and the roles on the room's list. */
  | { kind: 'feedbackRead' }
  | { kind: 'feedbackWrite' };

export interface Req {
  method: string;
  path: string;
  /** JSON (objects) or raw text; absent for none. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RouteCase {
  /** Method and path as the server registers them, e.g. `DELETE /api/rooms/:roomId`. */
  route: string;
  /** Tells variants of one route apart (export formats). */
  variant?: string;
  rule: Rule;
  /** True for /api/rooms/:roomId/… routes: checked in both matrix rooms. */
  inRoom: boolean;
  /** The answer in the matrix world for someone who may (a conflict is the room's state speaking). */
  allowed: number;
  /** The request; `forAllowed` is true when the caller may, so it may create what the call consumes. */
  request(w: World, room: MatrixRoom, forAllowed: boolean): Req | Promise<Req>;
  /** Consumes the room or its video: allowed cells run in a fresh room of their own (see freshRoom). */
  destroys?: (w: World, roomId: string, host: HttpClient) => Promise<Req>;
  /** The same route with another room's object id in this room's path: 404 for the host. */
  foreign?: (w: World, room: MatrixRoom) => Req;
  /** Ends the caller's session: run last. */
  last?: boolean;
  /** Schemas of what the client sends, for the fuzzer. */
  schemas?: { body?: TSchema; query?: TSchema };
}

const json = (method: string, path: string, body?: unknown): Req => ({ method, path, ...(body === undefined ? {} : { body }) });
const TUS = { 'tus-resumable': '1.0.0' };
const b64 = (s: string) => Buffer.from(s).toString('base64');
const tusCreate = (roomId: string): Req => ({
  method: 'POST',
  path: `/api/rooms/${roomId}/uploads`,
  headers: { ...TUS, 'upload-length': String(FIXTURE.byteLength), 'upload-metadata': `filename ${b64('gesprek.mp4')}` },
});
const CSV = 'start;eind;soort;thema;auteur;tekst\n1.5;3;zie;;Anna;Een observatie uit een bestand\n';
const byo = { size: FIXTURE.byteLength, headTailSha256: 'a'.repeat(64), durationSeconds: 20, fileName: 'eigen-kopie.mp4' };
let unique = 0;

/** Waits until the room's speaker analysis (started by the upload) has ended. */
async function analysed(w: World, room: MatrixRoom): Promise<void> {
  for (;;) {
    const view = await ok(w.host.get<{ status: { state: string } }>(`/api/rooms/${room.id}/spreektijd`), 200, 'spreektijd');
    if (view.status.state === 'done') return;
    if (view.status.state === 'failed' || view.status.state === 'none') throw new Error(`spreektijd analysis ${view.status.state}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** An analysis with one correction to undo. */
async function corrected(w: World, room: MatrixRoom): Promise<void> {
  await analysed(w, room);
  await ok(w.host.post(`/api/rooms/${room.id}/spreektijd/corrections`, { type: 'name', speaker: 's1', role: 'klantmanager', name: 'Klantmanager' }), 200, 'a correction');
}

export const ROUTES: RouteCase[] = [
  // ---- health and staff accounts ----
  { route: 'GET /api/health', rule: { kind: 'public' }, inRoom: false, allowed: 200, request: () => json('GET', '/api/health') },
  { route: 'GET /api/setup', rule: { kind: 'public' }, inRoom: false, allowed: 200, request: () => json('GET', '/api/setup') },
  {
    route: 'POST /api/auth/signin',
    rule: { kind: 'public' },
    inRoom: false,
    allowed: 200,
    request: () => json('POST', '/api/auth/signin', ADMIN),
    schemas: { body: SignInBodySchema },
  },
  { route: 'POST /api/auth/signout', rule: { kind: 'public' }, inRoom: false, allowed: 204, last: true, request: () => json('POST', '/api/auth/signout', {}) },
  // A guest leaving ends only this browser's room session: anyone may ask, for themselves.
  { route: 'POST /api/rooms/:roomId/leave', rule: { kind: 'public' }, inRoom: true, allowed: 204, last: true, request: (_w, r) => json('POST', `/api/rooms/${r.id}/leave`, {}) },
  { route: 'GET /api/auth/me', rule: { kind: 'staff' }, inRoom: false, allowed: 200, request: () => json('GET', '/api/auth/me') },
  {
    route: 'POST /api/staff-invites',
    rule: { kind: 'admin' },
    inRoom: false,
    allowed: 201,
    request: () => json('POST', '/api/staff-invites', {}),
    schemas: { body: StaffInviteBodySchema },
  },
  {
    route: 'POST /api/staff-invites/accept',
    rule: { kind: 'public' },
    inRoom: false,
    allowed: 201,
    async request(w, _r, forAllowed) {
      const { token } = forAllowed ? await ok(w.host.post<{ token: string }>('/api/staff-invites', {}), 201, 'staff invite') : { token: 'A'.repeat(43) };
      return json('POST', '/api/staff-invites/accept', { token, name: 'Nieuwe Collega', email: `collega-${++unique}@kijkkamer.test`, password: 'een-wachtwoord-123' });
    },
    schemas: { body: AcceptStaffInviteBodySchema },
  },

  // ---- rooms, invites ----
  { route: 'GET /api/rooms', rule: { kind: 'staff' }, inRoom: false, allowed: 200, request: () => json('GET', '/api/rooms') },
  {
    route: 'POST /api/rooms',
    rule: { kind: 'staff' },
    inRoom: false,
    allowed: 201,
    request: () => json('POST', '/api/rooms', { title: 'Nieuwe kamer' }),
    schemas: { body: CreateRoomBodySchema },
  },
  { route: 'GET /api/rooms/:roomId', rule: { kind: 'room' }, inRoom: true, allowed: 200, request: (_w, r) => json('GET', `/api/rooms/${r.id}`) },
  {
    route: 'DELETE /api/rooms/:roomId',
    rule: { kind: 'room', need: 'manageRoom' },
    inRoom: true,
    allowed: 204,
    request: (_w, r) => json('DELETE', `/api/rooms/${r.id}`),
    destroys: async (_w, roomId) => json('DELETE', `/api/rooms/${roomId}`),
  },
  { route: 'GET /api/rooms/:roomId/participants', rule: { kind: 'room' }, inRoom: true, allowed: 200, request: (_w, r) => json('GET', `/api/rooms/${r.id}/participants`) },
  { route: 'GET /api/rooms/:roomId/permissions', rule: { kind: 'room' }, inRoom: true, allowed: 200, request: (_w, r) => json('GET', `/api/rooms/${r.id}/permissions`) },
  {
    route: 'PUT /api/rooms/:roomId/permissions',
    rule: { kind: 'roomOwner' },
    inRoom: true,
    allowed: 200,
    // The room's own table again: allowed calls change nothing.
    request: (_w, r) => json('PUT', `/api/rooms/${r.id}/permissions`, r.overrides),
    schemas: { body: PermissionOverridesBodySchema },
  },
  { route: 'GET /api/rooms/:roomId/invites', rule: { kind: 'room', need: 'manageRoom' }, inRoom: true, allowed: 200, request: (_w, r) => json('GET', `/api/rooms/${r.id}/invites`) },
  {
    route: 'POST /api/rooms/:roomId/invites',
    rule: { kind: 'room', need: 'manageRoom' },
    inRoom: true,
    allowed: 201,
    request: (_w, r) => json('POST', `/api/rooms/${r.id}/invites`, { role: 'meekijker' }),
    schemas: { body: CreateInviteBodySchema },
  },
  {
    route: 'DELETE /api/rooms/:roomId/invites/:inviteId',
    rule: { kind: 'room', need: 'manageRoom' },
    inRoom: true,
    allowed: 204,
    async request(w, r, forAllowed) {
      if (!forAllowed) return json('DELETE', `/api/rooms/${r.id}/invites/${r.invite.invite.id}`);
      const fresh = await ok(w.host.post<{ invite: { id: string } }>(`/api/rooms/${r.id}/invites`, { role: 'meekijker' }), 201, 'invite');
      return json('DELETE', `/api/rooms/${r.id}/invites/${fresh.invite.id}`);
    },
    foreign: (w, r) => json('DELETE', `/api/rooms/${r.id}/invites/${w.b.inviteId}`),
  },
  {
    route: 'POST /api/invites/inspect',
    rule: { kind: 'public' },
    inRoom: true,
    allowed: 200,
    request: (_w, r) => json('POST', '/api/invites/inspect', { token: r.invite.token }),
    schemas: { body: InspectInviteBodySchema },
  },
  {
    route: 'POST /api/rooms/:roomId/join',
    rule: { kind: 'public' },
    inRoom: true,
    allowed: 201,
    request: (_w, r) => json('POST', `/api/rooms/${r.id}/join`, { token: r.invite.token, displayName: 'Nog een meekijker' }),
    schemas: { body: JoinBodySchema },
  },

  // ---- observation versions ----
  { route: 'GET /api/rooms/:roomId/notes/versions', rule: { kind: 'room', need: 'manageRoom' }, inRoom: true, allowed: 200, request: (_w, r) => json('GET', `/api/rooms/${r.id}/notes/versions`) },
  { route: 'POST /api/rooms/:roomId/notes/versions', rule: { kind: 'room', need: 'manageRoom' }, inRoom: true, allowed: 201, request: (_w, r) => json('POST', `/api/rooms/${r.id}/notes/versions`, {}) },
  {
    route: 'GET /api/rooms/:roomId/notes/versions/:versionId',
    rule: { kind: 'room', need: 'manageRoom' },
    inRoom: true,
    allowed: 200,
    request: (_w, r) => json('GET', `/api/rooms/${r.id}/notes/versions/${r.versionId}`),
    foreign: (w, r) => json('GET', `/api/rooms/${r.id}/notes/versions/${w.b.versionId}`),
  },
  {
    route: 'POST /api/rooms/:roomId/notes/versions/:versionId/restore',
    rule: { kind: 'room', need: 'manageRoom' },
    inRoom: true,
    allowed: 204,
    request: (_w, r) => json('POST', `/api/rooms/${r.id}/notes/versions/${r.versionId}/restore`, {}),
    foreign: (w, r) => json('POST', `/api/rooms/${r.id}/notes/versions/${w.b.versionId}/restore`, {}),
  },

  // ---- Kijkwijzer ----
  {
    route: 'POST /api/rooms/:roomId/notes/reveal',
    rule: { kind: 'room', need: 'editObservations' },
    inRoom: true,
    allowed: 200,
    request: (_w, r) => json('POST', `/api/rooms/${r.id}/notes/reveal`, {}),
    schemas: { body: RevealBodySchema },
  },
  { route: 'GET /api/rooms/:roomId/feedback-settings', rule: { kind: 'room' }, inRoom: true, allowed: 200, request: (_w, r) => json('GET', `/api/rooms/${r.id}/feedback-settings`) },
  {
    route: 'PUT /api/rooms/:roomId/feedback-settings',
    rule: { kind: 'room', need: 'manageRoom' },
    inRoom: true,
    allowed: 200,
    request: (_w, r) => json('PUT', `/api/rooms/${r.id}/feedback-settings`, { roles: [...DEFAULT_FEEDBACK_ROLES] }),
    schemas: { body: FeedbackRolesBodySchema },
  },
  { route: 'GET /api/rooms/:roomId/feedback', rule: { kind: 'feedbackRead' }, inRoom: true, allowed: 200, request: (_w, r) => json('GET', `/api/rooms/${r.id}/feedback`) },
  {
    route: 'GET /api/rooms/:roomId/fragments/:fragmentId/feedback',
    rule: { kind: 'feedbackRead' },
    inRoom: true,
    allowed: 200,
    request: (_w, r) => json('GET', `/api/rooms/${r.id}/fragments/${r.fragmentId}/feedback`),
    foreign: (w, r) => json('GET', `/api/rooms/${r.id}/fragments/${w.b.fragmentId}/feedback`),
  },
  {
    route: 'PUT /api/rooms/:roomId/fragments/:fragmentId/feedback',
    rule: { kind: 'feedbackWrite' },
    inRoom: true,
    allowed: 200,
    request: (_w, r) => json('PUT', `/api/rooms/${r.id}/fragments/${r.fragmentId}/feedback`, { text: 'Dit voelde goed.' }),
    foreign: (w, r) => json('PUT', `/api/rooms/${r.id}/fragments/${w.b.fragmentId}/feedback`, { text: 'Dit voelde goed.' }),
    schemas: { body: FeedbackBodySchema },
  },
  { route: 'GET /api/trajects', rule: { kind: 'staff' }, inRoom: false, allowed: 200, request: () => json('GET', '/api/trajects') },
  {
    route: 'POST /api/trajects',
    rule: { kind: 'staff' },
    inRoom: false,
    allowed: 201,
    request: () => json('POST', '/api/trajects', { title: 'Nog een traject' }),
    schemas: { body: CreateTrajectBodySchema },
  },
  {
    route: 'GET /api/trajects/:trajectId',
    rule: { kind: 'trajectOwner' },
    inRoom: false,
    allowed: 200,
    request: (w) => json('GET', `/api/trajects/${w.a.trajectId}`),
    foreign: (w) => json('GET', `/api/trajects/${w.b.trajectId}`),
  },
  {
    route: 'DELETE /api/trajects/:trajectId',
    rule: { kind: 'trajectOwner' },
    inRoom: false,
    allowed: 204,
    async request(w, _r, forAllowed) {
      if (!forAllowed) return json('DELETE', `/api/trajects/${w.a.trajectId}`);
      const { id } = await ok(w.host.post<{ id: string }>('/api/trajects', { title: 'Weg ermee' }), 201, 'traject');
      return json('DELETE', `/api/trajects/${id}`);
    },
    foreign: (w) => json('DELETE', `/api/trajects/${w.b.trajectId}`),
  },
  {
    route: 'PUT /api/rooms/:roomId/traject',
    rule: { kind: 'room', need: 'manageRoom' },
    inRoom: true,
    allowed: 204,
    request: (_w, r) => json('PUT', `/api/rooms/${r.id}/traject`, { trajectId: r.trajectId }),
    foreign: (w, r) => json('PUT', `/api/rooms/${r.id}/traject`, { trajectId: w.b.trajectId }),
    schemas: { body: AttachRoomBodySchema },
  },
  { route: 'GET /api/rooms/:roomId/traject', rule: { kind: 'room', need: 'editObservations' }, inRoom: true, allowed: 200, request: (_w, r) => json('GET', `/api/rooms/${r.id}/traject`) },

  // ---- consent and media ----
  { route: 'GET /api/rooms/:roomId/consent', rule: { kind: 'room', need: 'manageRoom' }, inRoom: true, allowed: 200, request: (_w, r) => json('GET', `/api/rooms/${r.id}/consent`) },
  {
    route: 'POST /api/rooms/:roomId/consent',
    rule: { kind: 'room', need: 'manageRoom' },
    inRoom: true,
    allowed: 201,
    request: (_w, r) => json('POST', `/api/rooms/${r.id}/consent`, consentBody({ allowedRoles: [...CONSENT_ROLES], fragmentsOutsideRoom: true })),
    schemas: { body: ConsentBodySchema },
  },
  {
    route: 'POST /api/rooms/:roomId/consent/withdraw',
    rule: { kind: 'room', need: 'manageRoom' },
    inRoom: true,
    allowed: 201,
    request: (_w, r) => json('POST', `/api/rooms/${r.id}/consent/withdraw`, { withdrawnOn: localDay() }),
    async destroys(_w, roomId, host) {
      await ok(host.post(`/api/rooms/${roomId}/consent`, consentBody()), 201, 'consent');
      return json('POST', `/api/rooms/${roomId}/consent/withdraw`, { withdrawnOn: localDay() });
    },
    schemas: { body: WithdrawBodySchema },
  },
  { route: 'GET /api/rooms/:roomId/media', rule: { kind: 'room' }, inRoom: true, allowed: 200, request: (_w, r) => json('GET', `/api/rooms/${r.id}/media`) },
  {
    route: 'DELETE /api/rooms/:roomId/media',
    rule: { kind: 'room', need: 'manageRoom' },
    inRoom: true,
    allowed: 204,
    request: (_w, r) => json('DELETE', `/api/rooms/${r.id}/media`),
    async destroys(_w, roomId, host) {
      await ok(host.post(`/api/rooms/${roomId}/consent`, consentBody()), 201, 'consent');
      await ok(host.post(`/api/rooms/${roomId}/media/byo`, byo), 201, 'byo');
      return json('DELETE', `/api/rooms/${roomId}/media`);
    },
  },
  {
    route: 'POST /api/rooms/:roomId/media/byo',
    rule: { kind: 'room', need: 'manageRoom' },
    inRoom: true,
    // The matrix rooms have an uploaded video already.
    allowed: 409,
    request: (_w, r) => json('POST', `/api/rooms/${r.id}/media/byo`, byo),
    schemas: { body: ByoBodySchema },
  },
  { route: 'GET /api/rooms/:roomId/media/video', rule: { kind: 'watch' }, inRoom: true, allowed: 200, request: (_w, r) => json('GET', `/api/rooms/${r.id}/media/video`) },
  { route: 'GET /api/rooms/:roomId/media/video/download', rule: { kind: 'download' }, inRoom: true, allowed: 200, request: (_w, r) => json('GET', `/api/rooms/${r.id}/media/video/download`) },
  {
    route: 'PUT /api/rooms/:roomId/media/downloads',
    rule: { kind: 'room', need: 'manageRoom' },
    inRoom: true,
    allowed: 200,
    request: (_w, r) => json('PUT', `/api/rooms/${r.id}/media/downloads`, { downloadsAllowed: true }),
    schemas: { body: DownloadSettingsBodySchema },
  },
  { route: 'GET /api/rooms/:roomId/media/conversion', rule: { kind: 'room' }, inRoom: true, allowed: 200, request: (_w, r) => json('GET', `/api/rooms/${r.id}/media/conversion`) },
  {
    route: 'POST /api/rooms/:roomId/media/conversion',
    rule: { kind: 'room', need: 'manageRoom' },
    inRoom: true,
    // Browsers play the fixture already: nothing to convert.
    allowed: 409,
    request: (_w, r) => json('POST', `/api/rooms/${r.id}/media/conversion`, {}),
    schemas: { body: ConversionBodySchema },
  },
  { route: 'DELETE /api/rooms/:roomId/media/conversion', rule: { kind: 'room', need: 'manageRoom' }, inRoom: true, allowed: 409, request: (_w, r) => json('DELETE', `/api/rooms/${r.id}/media/conversion`) },
  // ---- spreektijd (derived from the video's audio: watching rules for the turns, the host corrects) ----
  { route: 'GET /api/rooms/:roomId/spreektijd', rule: { kind: 'watch' }, inRoom: true, allowed: 200, request: (_w, r) => json('GET', `/api/rooms/${r.id}/spreektijd`) },
  {
    route: 'POST /api/rooms/:roomId/spreektijd/analysis',
    rule: { kind: 'room', need: 'manageRoom' },
    inRoom: true,
    allowed: 202,
    async request(w, r, forAllowed) {
      // One analysis at a time per room: the next cell waits for this one's end.
      if (forAllowed) await analysed(w, r);
      return json('POST', `/api/rooms/${r.id}/spreektijd/analysis`, { speakers: 'auto' });
    },
    schemas: { body: RunBodySchema },
  },
  {
    route: 'POST /api/rooms/:roomId/spreektijd/corrections',
    rule: { kind: 'room', need: 'manageRoom' },
    inRoom: true,
    allowed: 200,
    async request(w, r, forAllowed) {
      if (forAllowed) await analysed(w, r);
      return json('POST', `/api/rooms/${r.id}/spreektijd/corrections`, { type: 'name', speaker: 's1', role: 'klantmanager', name: 'Klantmanager' });
    },
    schemas: { body: CorrectionSchema },
  },
  {
    route: 'POST /api/rooms/:roomId/spreektijd/undo',
    rule: { kind: 'room', need: 'manageRoom' },
    inRoom: true,
    allowed: 200,
    async request(w, r, forAllowed) {
      if (forAllowed) await corrected(w, r);
      return json('POST', `/api/rooms/${r.id}/spreektijd/undo`);
    },
  },
  {
    route: 'POST /api/rooms/:roomId/spreektijd/redo',
    rule: { kind: 'room', need: 'manageRoom' },
    inRoom: true,
    allowed: 200,
    async request(w, r, forAllowed) {
      if (forAllowed) {
        await corrected(w, r);
        await ok(w.host.post(`/api/rooms/${r.id}/spreektijd/undo`), 200, 'undo a correction');
      }
      return json('POST', `/api/rooms/${r.id}/spreektijd/redo`);
    },
  },
  { route: 'GET /api/rooms/:roomId/media/poster', rule: { kind: 'watch' }, inRoom: true, allowed: 200, request: (_w, r) => json('GET', `/api/rooms/${r.id}/media/poster`) },
  {
    route: 'POST /api/rooms/:roomId/media/plays',
    rule: { kind: 'watch' },
    inRoom: true,
    allowed: 204,
    request: (_w, r) => json('POST', `/api/rooms/${r.id}/media/plays`, {}),
    schemas: { body: PlayBodySchema },
  },
  { route: 'GET /api/rooms/:roomId/media/plays', rule: { kind: 'room', need: 'seeAccessLog' }, inRoom: true, allowed: 200, request: (_w, r) => json('GET', `/api/rooms/${r.id}/media/plays`) },
  { route: 'GET /api/rooms/:roomId/media/access-log.csv', rule: { kind: 'room', need: 'seeAccessLog' }, inRoom: true, allowed: 200, request: (_w, r) => json('GET', `/api/rooms/${r.id}/media/access-log.csv`) },
  // Who was in the call: an access log like the video's.
  { route: 'GET /api/rooms/:roomId/voice/log', rule: { kind: 'room', need: 'seeAccessLog' }, inRoom: true, allowed: 200, request: (_w, r) => json('GET', `/api/rooms/${r.id}/voice/log`) },
  { route: 'POST /api/demo', rule: { kind: 'staff' }, inRoom: false, allowed: 201, request: () => json('POST', '/api/demo', {}) },

  // ---- tus uploads ----
  // Creating one more upload is refused while the room has a video.
  { route: 'POST /api/rooms/:roomId/uploads', rule: { kind: 'room', need: 'manageRoom' }, inRoom: true, allowed: 409, request: (_w, r) => tusCreate(r.id) },
  { route: 'OPTIONS /api/rooms/:roomId/uploads', rule: { kind: 'room', need: 'manageRoom' }, inRoom: true, allowed: 204, request: (_w, r) => ({ method: 'OPTIONS', path: `/api/rooms/${r.id}/uploads`, headers: TUS }) },
  {
    route: 'HEAD /api/rooms/:roomId/uploads/:uploadId',
    rule: { kind: 'room', need: 'manageRoom' },
    inRoom: true,
    allowed: 200,
    request: (_w, r) => ({ method: 'HEAD', path: `/api/rooms/${r.id}/uploads/${r.uploadId}`, headers: TUS }),
    foreign: (w, r) => ({ method: 'HEAD', path: `/api/rooms/${r.id}/uploads/${w.b.uploadId}`, headers: TUS }),
  },
  {
    route: 'PATCH /api/rooms/:roomId/uploads/:uploadId',
    rule: { kind: 'room', need: 'manageRoom' },
    inRoom: true,
    allowed: 204,
    // Zero bytes at offset 0: a valid PATCH that moves nothing.
    request: (_w, r) => ({ method: 'PATCH', path: `/api/rooms/${r.id}/uploads/${r.uploadId}`, headers: { ...TUS, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' }, body: '' }),
    foreign: (w, r) => ({ method: 'PATCH', path: `/api/rooms/${r.id}/uploads/${w.b.uploadId}`, headers: { ...TUS, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' }, body: '' }),
  },
  {
    route: 'DELETE /api/rooms/:roomId/uploads/:uploadId',
    rule: { kind: 'room', need: 'manageRoom' },
    inRoom: true,
    allowed: 204,
    request: (_w, r) => ({ method: 'DELETE', path: `/api/rooms/${r.id}/uploads/${r.uploadId}`, headers: TUS }),
    async destroys(_w, roomId, host) {
      await ok(host.post(`/api/rooms/${roomId}/consent`, consentBody()), 201, 'consent');
      const created = await fetch(host.base + tusCreate(roomId).path, { method: 'POST', headers: { ...tusCreate(roomId).headers, cookie: host.cookieHeader } });
      if (created.status !== 201) throw new Error(`tus create: ${created.status}`);
      return { method: 'DELETE', path: new URL(created.headers.get('location')!, host.base).pathname, headers: TUS };
    },
    foreign: (w, r) => ({ method: 'DELETE', path: `/api/rooms/${r.id}/uploads/${w.b.uploadId}`, headers: TUS }),
  },
  {
    route: 'OPTIONS /api/rooms/:roomId/uploads/:uploadId',
    rule: { kind: 'room', need: 'manageRoom' },
    inRoom: true,
    allowed: 204,
    request: (_w, r) => ({ method: 'OPTIONS', path: `/api/rooms/${r.id}/uploads/${r.uploadId}`, headers: TUS }),
  },

  // ---- exports and imports ----
  ...EXPORT_FORMATS.map(
    (format): RouteCase => ({
      route: 'GET /api/rooms/:roomId/exports/:format',
      variant: format,
      rule: { kind: 'room', need: 'export' },
      inRoom: true,
      allowed: 200,
      request: (_w, r) => json('GET', `/api/rooms/${r.id}/exports/${format}`),
      schemas: { query: ExportQuerySchema },
    }),
  ),
  {
    route: 'GET /api/rooms/:roomId/exports/:format',
    variant: 'qdpx with the video',
    rule: { kind: 'exportVideo' },
    inRoom: true,
    allowed: 200,
    request: (_w, r) => json('GET', `/api/rooms/${r.id}/exports/qdpx?includeVideo=true`),
  },
  {
    route: 'GET /api/rooms/:roomId/report',
    rule: { kind: 'room', need: 'export' },
    inRoom: true,
    allowed: 200,
    request: (_w, r) => json('GET', `/api/rooms/${r.id}/report`),
    schemas: { query: ReportQuerySchema },
  },
  {
    // A frame of the recording with its drawing: a picture of the video, so the download rules.
    route: 'GET /api/rooms/:roomId/observations/:observationId/frame',
    rule: { kind: 'exportVideo' },
    inRoom: true,
    allowed: 200,
    request: (_w, r) => json('GET', `/api/rooms/${r.id}/observations/${r.observationId}/frame`),
    schemas: { query: ReportQuerySchema },
  },
  {
    route: 'POST /api/rooms/:roomId/imports/preview',
    rule: { kind: 'room', need: 'editObservations' },
    inRoom: true,
    allowed: 200,
    request: (_w, r) => json('POST', `/api/rooms/${r.id}/imports/preview`, { format: 'csv', content: CSV }),
    schemas: { body: ImportPreviewBodySchema },
  },
  {
    route: 'POST /api/rooms/:roomId/imports',
    rule: { kind: 'room', need: 'editObservations' },
    inRoom: true,
    allowed: 200,
    request: (_w, r) => json('POST', `/api/rooms/${r.id}/imports`, { format: 'csv', content: CSV }),
    schemas: { body: ImportBodySchema },
  },
];

/** GET routes answer HEAD too (Fastify adds it); the matrix checks both. */
export const withHead = (cases: RouteCase[]): RouteCase[] =>
  cases.flatMap((c) =>
    c.route.startsWith('GET ')
      ? [
          c,
          {
            ...c,
            route: c.route.replace(/^GET /, 'HEAD '),
            async request(w, r, forAllowed) {
              return { ...(await c.request(w, r, forAllowed)), method: 'HEAD' };
            },
            ...(c.foreign ? { foreign: (w: World, r: MatrixRoom) => ({ ...c.foreign!(w, r), method: 'HEAD' }) } : {}),
          },
        ]
      : [c],
  );

// ---- who is asking -------------------------------------------------------------------------------

export type Subject =
  /** No valid session for this room: 401 on everything that needs one. */
  | { label: string; http: HttpClient; kind: 'outsider' }
  /** Signed-in staff who are not in the room: 403 on the room, their own scope elsewhere. */
  | { label: string; http: HttpClient; kind: 'otherStaff' }
  | { label: string; http: HttpClient; kind: 'member'; role: Role };

export function subjectsFor(w: World, room: MatrixRoom): Subject[] {
  const g = new HttpClient(w.server.url);
  g.setCookie('kk_staff', 'Zm9vYmFyLWdhcmJsZWQtdG9rZW4tdGhhdC1pcy1ub3QtcmVhbA');
  g.setCookie(`kk_room_${room.id}`, 'not a token%00;');
  // B's participant token under this room's cookie name: a session is bound to its own room.
  const planted = new HttpClient(w.server.url);
  planted.setCookie(`kk_room_${room.id}`, w.otherParticipant.cookieHeader.split('=').slice(1).join('='));
  return [
    { label: 'no session', http: new HttpClient(w.server.url), kind: 'outsider' },
    { label: 'garbled tokens', http: g, kind: 'outsider' },
    { label: 'expired staff session', http: w.expiredStaff, kind: 'outsider' },
    { label: 'expired participant session', http: room.expiredParticipant, kind: 'outsider' },
    { label: 'revoked invite', http: room.revokedParticipant, kind: 'outsider' },
    { label: 'participant of another room', http: w.otherParticipant, kind: 'outsider' },
    { label: "another room's token as this room's cookie", http: planted, kind: 'outsider' },
    { label: 'staff of another room', http: w.otherStaff, kind: 'otherStaff' },
    ...(Object.entries(room.members) as [Role, HttpClient][]).map(([role, http]): Subject => ({ label: role, http, kind: 'member', role })),
  ];
}

/** The documented answer: the case's `allowed` status, or the refusal. */
export function expectedStatus(c: RouteCase, s: Subject, room: MatrixRoom): number {
  const rule = c.rule;
  const isStaff = s.kind === 'otherStaff' || (s.kind === 'member' && s.role === 'begeleider');
  switch (rule.kind) {
    case 'public':
      return c.allowed;
    case 'staff':
      return isStaff ? c.allowed : 401;
    case 'admin':
      // The host is the administrator; the other staff member is not.
      return !isStaff ? 401 : s.kind === 'member' ? c.allowed : 403;
    case 'trajectOwner':
      return !isStaff ? 401 : s.kind === 'member' ? c.allowed : 404;
    case 'room':
    case 'roomOwner':
    case 'watch':
    case 'download':
    case 'exportVideo':
    case 'feedbackRead':
    case 'feedbackWrite': {
      if (s.kind === 'outsider') return 401;
      if (s.kind === 'otherStaff') return 403;
      return mayInRoom(rule, s.role, room) ? c.allowed : 403;
    }
  }
}

function mayInRoom(rule: Rule, role: Role, room: MatrixRoom): boolean {
  const p = permissionsFor(role, room.overrides);
  const watch = role === 'begeleider' || (p.seeVideo && (CONSENT_ROLES as readonly Role[]).includes(role));
  const writesFeedback = p.manageRoom || role === 'onderzoeker';
  switch (rule.kind) {
    case 'room':
      return rule.need ? p[rule.need] : true;
    case 'roomOwner':
      return role === 'begeleider';
    case 'watch':
    case 'download':
      return watch;
    case 'exportVideo':
      return p.export && watch;
    case 'feedbackRead':
      return writesFeedback || role === 'begeleider' || (DEFAULT_FEEDBACK_ROLES as readonly Role[]).includes(role);
    case 'feedbackWrite':
      return writesFeedback;
    default:
      throw new Error(`not a room rule: ${rule.kind}`);
  }
}

/** Sends a request with the subject's cookies, keeping none it gets back (a matrix cell must not change who the subject is). */
export async function send(base: string, http: HttpClient | null, req: Req, extra: Record<string, string> = {}): Promise<{ status: number; text: string; headers: Headers }> {
  const isJson = req.body !== undefined && typeof req.body !== 'string';
  const res = await fetch(base + req.path, {
    method: req.method,
    headers: {
      ...(isJson ? { 'content-type': 'application/json' } : {}),
      ...(http && http.cookieHeader ? { cookie: http.cookieHeader } : {}),
      ...req.headers,
      ...extra,
    },
    body: req.body === undefined ? undefined : isJson ? JSON.stringify(req.body) : (req.body as string),
  });
  return { status: res.status, text: req.method === 'HEAD' ? '' : await res.text(), headers: res.headers };
}
