import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBodySchema, RoomParamsSchema } from '../../../shared/api/schemas.ts';
import { CallLogSchema } from '../../../shared/voice/schemas.ts';
import type { VoiceStore } from './store.ts';

const errors = { 401: ErrorBodySchema, 403: ErrorBodySchema, 404: ErrorBodySchema };

/** The call's access log: who was in the room's call and when, for those who may see access logs. */
export const voiceRoutes =
  (store: VoiceStore): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { guard } = app.services;
    app.get('/api/rooms/:roomId/voice/log', { schema: { params: RoomParamsSchema, response: { 200: CallLogSchema, ...errors } } }, async (req, reply) => {
      const a = await guard.requireRoom(req.cookies, req.params.roomId, 'seeAccessLog');
      reply.header('Cache-Control', 'private, no-store');
      return { entries: await store.entries(a.room.id) };
    });
  };
