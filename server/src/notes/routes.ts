import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import * as Y from 'yjs';
import { DocVersionInfoSchema, DocVersionListSchema, DocVersionPreviewSchema, VersionParamsSchema } from '../../../shared/api/notes-schemas.ts';
import { ErrorBodySchema, RoomParamsSchema } from '../../../shared/api/schemas.ts';
import { readObservations } from '../../../shared/notes/doc.ts';
import { AppError } from '../http/errors.ts';
import { sharedDocName } from './endpoint.ts';

const errors = { 400: ErrorBodySchema, 401: ErrorBodySchema, 403: ErrorBodySchema, 404: ErrorBodySchema };

/** Version history of a room's observations, for the host: list, preview, save now, restore. */
export const notesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { guard, notes, docStore } = app.services;
  const base = '/api/rooms/:roomId/notes/versions';

  const versionOf = async (roomId: string, versionId: number) => {
    const version = await docStore.getVersion(versionId);
    if (!version || version.doc !== sharedDocName(roomId)) throw new AppError('not_found', 'No such version in this room.');
    return version;
  };

  app.get(base, { schema: { params: RoomParamsSchema, response: { 200: DocVersionListSchema, ...errors } } }, async (req) => {
    const a = await guard.requireRoom(req.cookies, req.params.roomId, 'manageRoom');
    return { versions: (await docStore.listVersions(sharedDocName(a.room.id))).map(({ id, label, createdAt, bytes }) => ({ id, label, createdAt, bytes })) };
  });

  app.post(base, { schema: { params: RoomParamsSchema, response: { 201: DocVersionInfoSchema, ...errors } } }, async (req, reply) => {
    const a = await guard.requireRoom(req.cookies, req.params.roomId, 'manageRoom');
    const id = await notes.saveVersion(sharedDocName(a.room.id), 'manual');
    const { label, createdAt, bytes } = await versionOf(a.room.id, id);
    return reply.status(201).send({ id, label, createdAt, bytes });
  });

  app.get(`${base}/:versionId`, { schema: { params: VersionParamsSchema, response: { 200: DocVersionPreviewSchema, ...errors } } }, async (req) => {
    const a = await guard.requireRoom(req.cookies, req.params.roomId, 'manageRoom');
    const { state, id, label, createdAt, bytes } = await versionOf(a.room.id, req.params.versionId);
    const doc = new Y.Doc();
    try {
      Y.applyUpdate(doc, state);
      return { version: { id, label, createdAt, bytes }, observations: readObservations(doc) };
    } finally {
      doc.destroy();
    }
  });

  app.post(`${base}/:versionId/restore`, { schema: { params: VersionParamsSchema, response: { 204: Type.Null(), ...errors } } }, async (req, reply) => {
    const a = await guard.requireRoom(req.cookies, req.params.roomId, 'manageRoom');
    await versionOf(a.room.id, req.params.versionId);
    await notes.restoreVersion(sharedDocName(a.room.id), req.params.versionId);
    return reply.status(204).send(null);
  });
};
