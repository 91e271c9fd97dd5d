import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { permissionsFor, permissionTable, type PermissionOverrides } from '../../../shared/access/roles.ts';
import {
  CreateInviteBodySchema,
  CreateRoomBodySchema,
  ErrorBodySchema,
  InspectInviteBodySchema,
  InviteCreatedSchema,
  InviteInfoSchema,
  InviteListSchema,
  InviteParamsSchema,
  JoinBodySchema,
  ParticipantListSchema,
  PermissionOverridesBodySchema,
  PermissionTableSchema,
  RoomListSchema,
  RoomParamsSchema,
  RoomSchema,
  RoomViewSchema,
  type Room,
} from '../../../shared/api/schemas.ts';
import { roomCookieName } from './guard.ts';
import { clearSessionCookie, setSessionCookie } from '../http/cookies.ts';
import { AppError } from '../http/errors.ts';
import type { RoomRow } from './room-store.ts';

const errors = { 400: ErrorBodySchema, 401: ErrorBodySchema, 403: ErrorBodySchema, 404: ErrorBodySchema, 410: ErrorBodySchema, 429: ErrorBodySchema };

export const toRoom = (r: RoomRow): Room => ({
  id: r.id,
  title: r.title,
  description: r.description,
  recordedOn: r.recordedOn,
  createdAt: r.createdAt,
  hostName: r.hostName,
});

export const roomRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { config, rooms, roomHooks, invites, participants, guard, signals, db, media, mediaStore } = app.services;

  const inviteFailure = { unknown: 'This invite link is not valid.', revoked: 'This invite link has been withdrawn by the host.', expired: 'This invite link has expired.' } as const;
  const checkInvite = async (token: string, roomId?: string) => {
    const check = await invites.check(token);
    if (!check.ok) throw new AppError(check.reason === 'unknown' ? 'unauthorised' : 'forbidden', inviteFailure[check.reason]);
    if (roomId !== undefined && check.invite.roomId !== roomId) throw new AppError('unauthorised', inviteFailure.unknown);
    const room = await rooms.get(check.invite.roomId);
    if (!room) throw new AppError('not_found', 'This room does not exist (any more).');
    return { invite: check.invite, room };
  };

  app.get('/api/rooms', { schema: { response: { 200: RoomListSchema, ...errors } } }, async (req) => {
    const user = await guard.requireStaff(req.cookies);
    // The same rule as the poster endpoint itself, so the list never points at a refusal.
    const posterSrc = async (r: RoomRow): Promise<string | null> => {
      const a = await guard.roomAccess(req.cookies, r.id);
      if ('error' in a || (await media.videoAccess(a)) !== 'allowed' || !(await mediaStore.get(r.id))?.posterPath) return null;
      return `/api/rooms/${r.id}/media/poster`;
    };
    return { rooms: await Promise.all((await rooms.listByOwner(user.id)).map(async (r) => ({ ...toRoom(r), posterSrc: await posterSrc(r) }))) };
  });

  app.post(
    '/api/rooms',
    {
      config: { rateLimit: { max: config.roomCreateLimitPerMinute, timeWindow: '1 minute' } },
      schema: { body: CreateRoomBodySchema, response: { 201: RoomSchema, ...errors } },
    },
    async (req, reply) => {
      const user = await guard.requireStaff(req.cookies);
      const id = await db.transaction(async () => {
        const roomId = await rooms.create({
          ownerId: user.id,
          title: req.body.title.trim(),
          description: req.body.description?.trim() ?? '',
          recordedOn: req.body.recordedOn ?? null,
        });
        await participants.create({ roomId, inviteId: null, userId: user.id, name: user.name, role: 'begeleider' });
        return roomId;
      });
      return reply.status(201).send(toRoom((await rooms.get(id))!));
    },
  );

  app.get('/api/rooms/:roomId', { schema: { params: RoomParamsSchema, response: { 200: RoomViewSchema, ...errors } } }, async (req) => {
    const a = await guard.requireRoom(req.cookies, req.params.roomId);
    return { room: toRoom(a.room), me: { participantId: a.participantId, name: a.name, role: a.role, permissions: a.permissions } };
  });

  app.delete('/api/rooms/:roomId', { schema: { params: RoomParamsSchema, response: { 204: Type.Null(), ...errors } } }, async (req, reply) => {
    const a = await guard.requireRoom(req.cookies, req.params.roomId, 'manageRoom');
    const people = (await participants.listByRoom(a.room.id)).map((p) => p.id);
    await rooms.remove(a.room.id);
    await roomHooks.deleted(a.room.id, people);
    return reply.status(204).send(null);
  });

  app.get(
    '/api/rooms/:roomId/participants',
    { schema: { params: RoomParamsSchema, response: { 200: ParticipantListSchema, ...errors } } },
    async (req) => {
      const a = await guard.requireRoom(req.cookies, req.params.roomId);
      return { participants: (await participants.listByRoom(a.room.id)).map(({ id, name, role, joinedAt }) => ({ id, name, role, joinedAt })) };
    },
  );

  app.get(
    '/api/rooms/:roomId/permissions',
    { schema: { params: RoomParamsSchema, response: { 200: PermissionTableSchema, ...errors } } },
    async (req) => {
      const a = await guard.requireRoom(req.cookies, req.params.roomId);
      return permissionTable(a.room.permissionOverrides);
    },
  );

  app.put(
    '/api/rooms/:roomId/permissions',
    { schema: { params: RoomParamsSchema, body: PermissionOverridesBodySchema, response: { 200: PermissionTableSchema, ...errors } } },
    async (req) => {
      const a = await guard.requireRoom(req.cookies, req.params.roomId, 'manageRoom');
      // A co-host (a role given manageRoom) could otherwise grant itself what the owner withheld,
      // such as the access log: the table is the owner's alone.
      if (a.role !== 'begeleider') throw new AppError('forbidden', 'Only the host who owns the room changes its permission table.');
      const overrides = req.body as PermissionOverrides;
      await rooms.setPermissionOverrides(a.room.id, overrides);
      // Live connections got their permissions at the handshake: socket.io ones are updated in place,
      // Yjs ones reconnect (4500) so the hub re-decides who may write — in whichever process they are.
      signals.publish({ kind: 'permissions-changed', roomId: a.room.id, overrides, participantIds: (await participants.listByRoom(a.room.id)).map((p) => p.id) });
      return permissionTable(overrides);
    },
  );

  app.get(
    '/api/rooms/:roomId/invites',
    { schema: { params: RoomParamsSchema, response: { 200: InviteListSchema, ...errors } } },
    async (req) => {
      const a = await guard.requireRoom(req.cookies, req.params.roomId, 'manageRoom');
      return { invites: await invites.listByRoom(a.room.id) };
    },
  );

  app.post(
    '/api/rooms/:roomId/invites',
    { schema: { params: RoomParamsSchema, body: CreateInviteBodySchema, response: { 201: InviteCreatedSchema, ...errors } } },
    async (req, reply) => {
      const a = await guard.requireRoom(req.cookies, req.params.roomId, 'manageRoom');
      const days = req.body.expiresInDays ?? null;
      const { invite, token } = await invites.create({ roomId: a.room.id, role: req.body.role, expiresAt: days === null ? null : Date.now() + days * 86_400_000 });
      // The token travels in the fragment: browsers never send it to a server or in a Referer.
      return reply.status(201).send({ invite, token, url: `${config.publicUrl}/join/${a.room.id}#${token}` });
    },
  );

  app.delete(
    '/api/rooms/:roomId/invites/:inviteId',
    { schema: { params: InviteParamsSchema, response: { 204: Type.Null(), ...errors } } },
    async (req, reply) => {
      const a = await guard.requireRoom(req.cookies, req.params.roomId, 'manageRoom');
      if (!await invites.get(a.room.id, req.params.inviteId)) throw new AppError('not_found', 'No such invite in this room.');
      await invites.revoke(a.room.id, req.params.inviteId);
      const ended = await participants.idsByInvite(req.params.inviteId);
      await participants.endSessionsOfInvite(req.params.inviteId);
      signals.publish({ kind: 'participants-ended', roomId: a.room.id, participantIds: ended, reason: { code: 'forbidden', message: 'The host has withdrawn your invite link.' } });
      return reply.status(204).send(null);
    },
  );

  // A guest leaves: this browser's room session ends and its cookie goes; coming back takes the invite link.
  app.post('/api/rooms/:roomId/leave', { schema: { params: RoomParamsSchema, response: { 204: Type.Null(), ...errors } } }, async (req, reply) => {
    const name = roomCookieName(req.params.roomId);
    const token = req.cookies[name];
    if (token) await app.services.sessions.revoke(token);
    clearSessionCookie(reply, config, name);
    return reply.status(204).send(null);
  });

  app.post(
    '/api/invites/inspect',
    { config: { rateLimit: { max: config.signInLimitPerMinute * 3, timeWindow: '1 minute' } }, schema: { body: InspectInviteBodySchema, response: { 200: InviteInfoSchema, ...errors } } },
    async (req) => {
      const { invite, room } = await checkInvite(req.body.token);
      return { roomTitle: room.title, role: invite.role, hostName: room.hostName };
    },
  );

  app.post(
    '/api/rooms/:roomId/join',
    {
      config: { rateLimit: { max: config.signInLimitPerMinute * 3, timeWindow: '1 minute' } },
      schema: { params: RoomParamsSchema, body: JoinBodySchema, response: { 201: RoomViewSchema, ...errors } },
    },
    async (req, reply) => {
      const { invite, room } = await checkInvite(req.body.token, req.params.roomId);
      const participant = await participants.create({ roomId: room.id, inviteId: invite.id, userId: null, name: req.body.displayName.trim(), role: invite.role });
      const { token, expiresAt } = await app.services.sessions.create({ participantId: participant.id }, guard.participantPolicy);
      setSessionCookie(reply, config, roomCookieName(room.id), token, expiresAt);
      return reply.status(201).send({
        room: toRoom(room),
        me: { participantId: participant.id, name: participant.name, role: participant.role, permissions: permissionsFor(participant.role, room.permissionOverrides) },
      });
    },
  );
};
