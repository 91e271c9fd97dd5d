import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  AttachRoomBodySchema,
  CreateTrajectBodySchema,
  FeedbackBodySchema,
  FeedbackListSchema,
  FeedbackRolesBodySchema,
  FeedbackSchema,
  FeedbackSettingsSchema,
  FragmentParamsSchema,
  RevealBodySchema,
  RevealResultSchema,
  RoomTrajectSchema,
  TrajectListSchema,
  TrajectParamsSchema,
  TrajectSchema,
  TrajectViewSchema,
  type Traject,
} from '../../../shared/api/kijkwijzer-schemas.ts';
import { ErrorBodySchema, RoomParamsSchema } from '../../../shared/api/schemas.ts';
import { moveObservations, readAandachtspunten, readFragmentById, readFragments, readLeerpunten } from '../../../shared/kijkwijzer/doc.ts';
import type { Cookies } from '../access/guard.ts';
import type { RoomAccess } from '../rooms/guard.ts';
import { AppError } from '../http/errors.ts';
import { privateDocName, sharedDocName } from '../notes/endpoint.ts';
import { roomChannel } from '../realtime/socket.ts';
import type { TrajectRow } from './traject-store.ts';

const errors = { 400: ErrorBodySchema, 401: ErrorBodySchema, 403: ErrorBodySchema, 404: ErrorBodySchema };

const publicTraject = ({ ownerId: _owner, ...traject }: TrajectRow): Traject => traject;

/**
 * The Kijkwijzer's server side: revealing private observations, client feedback per fragment
 * (kept out of the shared document), and trajects that read each room's document here.
 */
export const kijkwijzerRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { guard, notes, feedback, trajects, realtime } = app.services;

  // ---- private preparation → reveal -------------------------------------------------------------

  /**
   * Server-side so that one request moves the observations between the two stored documents: a
   * browser doing it with two providers could close halfway and leave them in both or neither, and
   * could reveal edits its private provider had not yet delivered. Both writes reach connected
   * clients like any change. The author is the caller, as the server knows them.
   */
  app.post(
    '/api/rooms/:roomId/notes/reveal',
    { schema: { params: RoomParamsSchema, body: RevealBodySchema, response: { 200: RevealResultSchema, ...errors } } },
    async (req) => {
      const a = await guard.requireRoom(req.cookies, req.params.roomId, 'editObservations');
      const from = await notes.getDoc(privateDocName(a.room.id, a.participantId));
      const to = await notes.getDoc(sharedDocName(a.room.id));
      const revealed = moveObservations(from, to, req.body.ids ?? 'all', { authorId: a.participantId, authorName: a.name, role: a.role }, 'reveal');
      return { revealed };
    },
  );

  // ---- client feedback --------------------------------------------------------------------------

  const feedbackAccess = async (a: RoomAccess) => await feedback.access(a.room.id, a.role, a.permissions.manageRoom);
  const requireFeedback = async (cookies: Cookies, roomId: string, need: 'canRead' | 'canWrite') => {
    const a = await guard.requireRoom(cookies, roomId);
    if (!(await feedbackAccess(a))[need]) {
      throw new AppError('forbidden', need === 'canRead' ? 'The host has not allowed your role to read client feedback.' : 'Only the host and the onderzoeker record client feedback.');
    }
    return a;
  };
  const fragmentIds = async (roomId: string) => new Set(readFragments(await notes.getDoc(sharedDocName(roomId))).map((f) => f.id));

  app.get('/api/rooms/:roomId/feedback-settings', { schema: { params: RoomParamsSchema, response: { 200: FeedbackSettingsSchema, ...errors } } }, async (req) => {
    const a = await guard.requireRoom(req.cookies, req.params.roomId);
    return { roles: await feedback.readerRoles(a.room.id), ...(await feedbackAccess(a)) };
  });

  app.put(
    '/api/rooms/:roomId/feedback-settings',
    { schema: { params: RoomParamsSchema, body: FeedbackRolesBodySchema, response: { 200: FeedbackSettingsSchema, ...errors } } },
    async (req) => {
      const a = await guard.requireRoom(req.cookies, req.params.roomId, 'manageRoom');
      await feedback.setReaderRoles(a.room.id, req.body.roles);
      // Readers who just lost access drop what they show; new readers fetch it.
      realtime.io.to(roomChannel(a.room.id)).emit('kijkwijzer:feedback', { fragmentId: '*' });
      return { roles: await feedback.readerRoles(a.room.id), ...(await feedbackAccess(a)) };
    },
  );

  app.get('/api/rooms/:roomId/feedback', { schema: { params: RoomParamsSchema, response: { 200: FeedbackListSchema, ...errors } } }, async (req) => {
    const a = await requireFeedback(req.cookies, req.params.roomId, 'canRead');
    // Feedback of a fragment deleted from the document stays stored (an undo brings it back) but is not shown.
    const live = await fragmentIds(a.room.id);
    return { feedback: (await feedback.list(a.room.id)).filter((f) => live.has(f.fragmentId)) };
  });

  app.get(
    '/api/rooms/:roomId/fragments/:fragmentId/feedback',
    { schema: { params: FragmentParamsSchema, response: { 200: FeedbackSchema, ...errors } } },
    async (req) => {
      const a = await requireFeedback(req.cookies, req.params.roomId, 'canRead');
      const found = (await fragmentIds(a.room.id)).has(req.params.fragmentId) ? await feedback.get(a.room.id, req.params.fragmentId) : null;
      if (!found) throw new AppError('not_found', 'This fragment has no client feedback.');
      return found;
    },
  );

  app.put(
    '/api/rooms/:roomId/fragments/:fragmentId/feedback',
    { schema: { params: FragmentParamsSchema, body: FeedbackBodySchema, response: { 200: FeedbackSchema, 204: Type.Null(), ...errors } } },
    async (req, reply) => {
      const a = await requireFeedback(req.cookies, req.params.roomId, 'canWrite');
      if (!readFragmentById(await notes.getDoc(sharedDocName(a.room.id)), req.params.fragmentId)) throw new AppError('not_found', 'No such fragment in this room.');
      const stored = await feedback.set(a.room.id, req.params.fragmentId, req.body.text, a.name);
      realtime.io.to(roomChannel(a.room.id)).emit('kijkwijzer:feedback', { fragmentId: req.params.fragmentId });
      return stored ? stored : reply.status(204).send(null);
    },
  );

  // ---- trajects ---------------------------------------------------------------------------------

  const ownTraject = async (cookies: Cookies, trajectId: string): Promise<TrajectRow> => {
    const user = await guard.requireStaff(cookies);
    const traject = await trajects.get(trajectId);
    // Someone else's traject is as unknown as a missing one: its title may name a client.
    if (!traject || traject.ownerId !== user.id) throw new AppError('not_found', 'No such traject.');
    return traject;
  };
  const learningOf = async (roomId: string) => {
    const doc = await notes.getDoc(sharedDocName(roomId));
    return { aandachtspunten: readAandachtspunten(doc), leerpunten: readLeerpunten(doc) };
  };

  app.get('/api/trajects', { schema: { response: { 200: TrajectListSchema, ...errors } } }, async (req) => {
    const user = await guard.requireStaff(req.cookies);
    return { trajects: (await trajects.listByOwner(user.id)).map(publicTraject) };
  });

  app.post('/api/trajects', { schema: { body: CreateTrajectBodySchema, response: { 201: TrajectSchema, ...errors } } }, async (req, reply) => {
    const user = await guard.requireStaff(req.cookies);
    const traject = await trajects.create({ ownerId: user.id, title: req.body.title.trim(), klantmanagerName: req.body.klantmanagerName?.trim() ?? '' });
    return reply.status(201).send(publicTraject(traject));
  });

  app.get('/api/trajects/:trajectId', { schema: { params: TrajectParamsSchema, response: { 200: TrajectViewSchema, ...errors } } }, async (req) => {
    const traject = await ownTraject(req.cookies, req.params.trajectId);
    return { traject: publicTraject(traject), rooms: await Promise.all((await trajects.rooms(traject.id)).map(async (room) => ({ room, ...(await learningOf(room.id)) }))) };
  });

  app.delete('/api/trajects/:trajectId', { schema: { params: TrajectParamsSchema, response: { 204: Type.Null(), ...errors } } }, async (req, reply) => {
    await trajects.remove((await ownTraject(req.cookies, req.params.trajectId)).id);
    return reply.status(204).send(null);
  });

  app.put(
    '/api/rooms/:roomId/traject',
    { schema: { params: RoomParamsSchema, body: AttachRoomBodySchema, response: { 204: Type.Null(), ...errors } } },
    async (req, reply) => {
      const a = await guard.requireRoom(req.cookies, req.params.roomId, 'manageRoom');
      const { trajectId } = req.body;
      if (trajectId !== null) {
        const traject = await trajects.get(trajectId);
        // A room joins only a traject of its own owner, so nobody can pull a room into someone else's overview.
        if (!traject || traject.ownerId !== a.room.ownerId) throw new AppError('not_found', 'No such traject.');
      }
      await trajects.setRoomTraject(a.room.id, trajectId);
      return reply.status(204).send(null);
    },
  );

  /** The previous conversation's aandachtspunten, for the people checking them in this one. */
  app.get('/api/rooms/:roomId/traject', { schema: { params: RoomParamsSchema, response: { 200: RoomTrajectSchema, ...errors } } }, async (req) => {
    const a = await guard.requireRoom(req.cookies, req.params.roomId, 'editObservations');
    const trajectId = await trajects.trajectIdOf(a.room.id);
    const traject = trajectId ? await trajects.get(trajectId) : null;
    if (!traject) return { traject: null, previous: null };
    const rooms = await trajects.rooms(traject.id);
    const previous = rooms[rooms.findIndex((r) => r.id === a.room.id) - 1];
    return {
      traject: publicTraject(traject),
      previous: previous ? { room: previous, aandachtspunten: (await learningOf(previous.id)).aandachtspunten } : null,
    };
  });
};
