import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBodySchema, RoomParamsSchema } from '../../../shared/api/schemas.ts';
import { AnalysisStatusSchema, CorrectionSchema, RunBodySchema, SpreektijdViewSchema } from '../../../shared/spreektijd/schemas.ts';
import type { Correction } from '../../../shared/spreektijd/corrections.ts';
import type { Cookies } from '../access/guard.ts';
import type { RoomAccess } from '../rooms/guard.ts';

const errors = { 400: ErrorBodySchema, 401: ErrorBodySchema, 403: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema, 413: ErrorBodySchema };

/**
 * Spreektijd over HTTP (docs/api-spreektijd.md): the turns and status for whoever may watch the
 * video (they are derived from its audio), the analysis and corrections for the host.
 */
export const spreektijdRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { guard, media, spreektijd } = app.services;

  /** The host, or a participant who may watch the video: the turns tell what the recording says. */
  async function requireViewer(cookies: Cookies, roomId: string): Promise<RoomAccess> {
    const a = await guard.requireRoom(cookies, roomId);
    await media.requireVideoAccess(a);
    await media.removeIfExpired(a.room.id);
    return a;
  }

  app.get('/api/rooms/:roomId/spreektijd', { schema: { params: RoomParamsSchema, response: { 200: SpreektijdViewSchema, ...errors } } }, async (req) => {
    const a = await requireViewer(req.cookies, req.params.roomId);
    return spreektijd.view(a.room.id);
  });

  app.post(
    '/api/rooms/:roomId/spreektijd/analysis',
    { schema: { params: RoomParamsSchema, body: RunBodySchema, response: { 202: AnalysisStatusSchema, ...errors } } },
    async (req, reply) => {
      const a = await guard.requireRoom(req.cookies, req.params.roomId, 'manageRoom');
      await media.removeIfExpired(a.room.id);
      return reply.status(202).send(await spreektijd.start(a.room.id, req.body.speakers));
    },
  );

  app.post(
    '/api/rooms/:roomId/spreektijd/corrections',
    { schema: { params: RoomParamsSchema, body: CorrectionSchema, response: { 200: SpreektijdViewSchema, ...errors } } },
    async (req) => {
      const a = await guard.requireRoom(req.cookies, req.params.roomId, 'manageRoom');
      return spreektijd.correct(a.room.id, req.body as Correction, a.participantId);
    },
  );

  app.post('/api/rooms/:roomId/spreektijd/undo', { schema: { params: RoomParamsSchema, response: { 200: SpreektijdViewSchema, ...errors } } }, async (req) => {
    const a = await guard.requireRoom(req.cookies, req.params.roomId, 'manageRoom');
    return spreektijd.undo(a.room.id);
  });

  app.post('/api/rooms/:roomId/spreektijd/redo', { schema: { params: RoomParamsSchema, response: { 200: SpreektijdViewSchema, ...errors } } }, async (req) => {
    const a = await guard.requireRoom(req.cookies, req.params.roomId, 'manageRoom');
    return spreektijd.redo(a.room.id);
  });
};
