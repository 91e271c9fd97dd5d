import { createReadStream } from 'node:fs';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  ByoBodySchema,
  ConsentBodySchema,
  ConsentOverviewSchema,
  ConsentSchema,
  ConversionBodySchema,
  ConversionSchema,
  DownloadSettingsBodySchema,
  DownloadSettingsSchema,
  MediaInfoSchema,
  PlayBodySchema,
  PlayListSchema,
  WithdrawBodySchema,
  type MediaInfo,
  type Video,
} from '../../../shared/api/media-schemas.ts';
import { ErrorBodySchema, RoomParamsSchema, RoomSchema } from '../../../shared/api/schemas.ts';
import type { RoomAccess } from '../rooms/guard.ts';
import { contentDisposition } from '../http/content-disposition.ts';
import { AppError } from '../http/errors.ts';
import { toRoom } from '../rooms/routes.ts';
import { accessLogCsv } from './access-log.ts';
import { createDemoRoom } from './demo-room.ts';
import { downloadFileName } from './downloads.ts';
import { playability } from './ingest.ts';
import type { MediaRow } from './media-store.ts';
import { addDays, isoDay } from './service.ts';
import { serveFile } from './stream.ts';

const errors = { 400: ErrorBodySchema, 401: ErrorBodySchema, 403: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema, 410: ErrorBodySchema };
/** How often the retention job runs; it also runs once at start-up (in a cluster: when a process starts to lead). */
const SWEEP_INTERVAL_MS = 15 * 60_000;
/** In a cluster, files nothing refers to are removed only once unchanged this long: not one being attached. */
const ORPHAN_SETTLED_MS = 3_600_000;

/** `2026-02-30` matches the pattern but is no date. */
const isRealDate = (day: string): boolean => {
  const d = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === day;
};
function checkDate(day: string, field: string): void {
  if (!isRealDate(day)) throw new AppError('bad_request', `${field} is not a calendar date.`, { field, rule: 'not_a_date' });
}

const REMOVED_MESSAGES = {
  withdrawn: 'The video was deleted because the client withdrew consent.',
  retention: 'The video was deleted because its retention date passed.',
  host: 'The host removed the video.',
} as const;

export const mediaRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { guard, consents, mediaStore, media, config, rooms, downloads, jobs } = app.services;

  const toVideo = (row: MediaRow, downloadable: boolean): Video => ({
    id: row.id,
    mode: row.mode,
    fileName: row.fileName,
    size: row.size,
    container: row.container,
    mimeType: row.mimeType,
    durationSeconds: row.facts.durationSeconds,
    width: row.facts.width,
    height: row.facts.height,
    frameRate: row.facts.frameRate,
    videoCodec: row.facts.videoCodec,
    audioCodec: row.facts.audioCodec,
    playability: row.mode === 'byo' ? 'unknown' : playability(row.probed, row.facts),
    sha256: row.sha256,
    headTailSha256: row.headTailSha256,
    src: row.filePath ? `/api/rooms/${row.roomId}/media/video` : null,
    posterSrc: row.posterPath ? `/api/rooms/${row.roomId}/media/poster` : null,
    downloadSrc: row.filePath && downloadable ? `/api/rooms/${row.roomId}/media/video/download` : null,
    createdAt: row.createdAt,
  });

  async function mediaInfo(a: RoomAccess): Promise<MediaInfo> {
    const consent = await consents.current(a.room.id);
    const row = await mediaStore.get(a.room.id);
    const access = await media.videoAccess(a);
    const downloadState = await downloads.settings(a.room.id);
    return {
      access,
      consent: consent && {
        status: consent.kind,
        version: consent.version,
        allowedRoles: consent.allowedRoles,
        fragmentsOutsideRoom: consent.fragmentsOutsideRoom,
        retentionUntil: consent.retentionUntil,
        isDemo: consent.isDemo,
      },
      hasVideo: row !== null,
      video: row && access === 'allowed' ? toVideo(row, downloadState.effective) : null,
      removed: row ? null : await mediaStore.removal(a.room.id),
      maxUploadBytes: config.maxUploadBytes,
      downloads: downloadState,
      conversion: await media.conversion(a.room.id),
    };
  }

  /** The room's video for someone allowed to watch it, or the error that says why not. */
  async function watchable(cookies: Record<string, string | undefined>, roomId: string): Promise<{ access: RoomAccess; row: MediaRow }> {
    const a = await guard.requireRoom(cookies, roomId);
    await media.requireVideoAccess(a);
    // Gone the moment the retention date has passed, not only at the next sweep.
    await media.removeIfExpired(a.room.id);
    const row = await mediaStore.get(a.room.id);
    if (!row) {
      const removal = await mediaStore.removal(a.room.id);
      if (removal) throw new AppError('gone', REMOVED_MESSAGES[removal.reason]);
      throw new AppError('not_found', 'This room has no video yet.');
    }
    return { access: a, row };
  }

  // ---- consent ------------------------------------------------------------------------------

  app.get('/api/rooms/:roomId/consent', { schema: { params: RoomParamsSchema, response: { 200: ConsentOverviewSchema, ...errors } } }, async (req) => {
    const a = await guard.requireRoom(req.cookies, req.params.roomId, 'manageRoom');
    return {
      current: await consents.current(a.room.id),
      history: await consents.history(a.room.id),
      defaults: { retentionDays: config.retentionDays, retentionUntil: addDays(isoDay(Date.now()), config.retentionDays) },
    };
  });

  app.post(
    '/api/rooms/:roomId/consent',
    { schema: { params: RoomParamsSchema, body: ConsentBodySchema, response: { 201: ConsentSchema, ...errors } } },
    async (req, reply) => {
      const a = await guard.requireRoom(req.cookies, req.params.roomId, 'manageRoom');
      const body = req.body;
      checkDate(body.consentDate, 'consentDate');
      checkDate(body.retentionUntil, 'retentionUntil');
      const today = isoDay(Date.now());
      if (body.consentDate > today) throw new AppError('bad_request', 'consentDate must not be in the future.', { field: 'consentDate', rule: 'date_in_future' });
      if (body.retentionUntil < today) throw new AppError('bad_request', 'retentionUntil must be today or later.', { field: 'retentionUntil', rule: 'date_in_past' });
      if (body.retentionUntil < body.consentDate) throw new AppError('bad_request', 'retentionUntil must not be before consentDate.', { field: 'retentionUntil', rule: 'date_order' });
      const consent = await consents.give(a.room.id, body, { recordedBy: a.name });
      await downloads.afterConsentChange(a.room.id);
      return reply.status(201).send(consent);
    },
  );

  app.post(
    '/api/rooms/:roomId/consent/withdraw',
    { schema: { params: RoomParamsSchema, body: WithdrawBodySchema, response: { 201: ConsentSchema, ...errors } } },
    async (req, reply) => {
      const a = await guard.requireRoom(req.cookies, req.params.roomId, 'manageRoom');
      checkDate(req.body.withdrawnOn, 'withdrawnOn');
      const current = await consents.current(a.room.id);
      if (!current || current.kind !== 'given') throw new AppError('conflict', 'There is no given consent to withdraw.');
      if (req.body.withdrawnOn > isoDay(Date.now())) throw new AppError('bad_request', 'withdrawnOn must not be in the future.', { field: 'withdrawnOn', rule: 'date_in_future' });
      if (req.body.withdrawnOn < current.consentDate) throw new AppError('bad_request', 'withdrawnOn must not be before the consent date.', { field: 'withdrawnOn', rule: 'date_order' });
      const withdrawn = (await consents.withdraw(a.room.id, req.body.withdrawnOn, req.body.note, a.name))!;
      await downloads.afterConsentChange(a.room.id);
      // Withdrawal deletes at once: the video, its poster and fingerprint, and uploads under way.
      await media.remove(a.room.id, 'withdrawn');
      await media.removeUploads(a.room.id);
      return reply.status(201).send(withdrawn);
    },
  );

  // ---- media --------------------------------------------------------------------------------

  app.get('/api/rooms/:roomId/media', { schema: { params: RoomParamsSchema, response: { 200: MediaInfoSchema, ...errors } } }, async (req) => {
    const a = await guard.requireRoom(req.cookies, req.params.roomId);
    await media.removeIfExpired(a.room.id);
    return mediaInfo(a);
  });

  app.delete('/api/rooms/:roomId/media', { schema: { params: RoomParamsSchema, response: { 204: Type.Null(), ...errors } } }, async (req, reply) => {
    const a = await guard.requireRoom(req.cookies, req.params.roomId, 'manageRoom');
    if (!(await media.remove(a.room.id, 'host'))) throw new AppError('not_found', 'This room has no video.');
    return reply.status(204).send(null);
  });

  app.post(
    '/api/rooms/:roomId/media/byo',
    { schema: { params: RoomParamsSchema, body: ByoBodySchema, response: { 201: MediaInfoSchema, ...errors } } },
    async (req, reply) => {
      const a = await guard.requireRoom(req.cookies, req.params.roomId, 'manageRoom');
      await media.attachByo(a.room.id, req.body);
      return reply.status(201).send(await mediaInfo(a));
    },
  );

  app.route({
    method: ['GET', 'HEAD'],
    url: '/api/rooms/:roomId/media/video',
    exposeHeadRoute: false,
    schema: { params: RoomParamsSchema },
    handler: async (req, reply) => {
      const { access, row } = await watchable(req.cookies, req.params.roomId);
      if (!row.filePath || !row.mimeType) throw new AppError('not_found', 'This room uses local copies: open your own copy of the recording.');
      if (req.method === 'GET' && media.shouldLogStream(access.participantId)) await mediaStore.logPlay(access.room.id, access, 'stream', row.mode);
      if (!(await serveFile(req, reply, { path: media.absolute(row.filePath), mimeType: row.mimeType, sha256: row.sha256 }))) {
        throw new AppError('gone', 'The video file is no longer available.');
      }
      return reply;
    },
  });

  /**
   * The one way the recording leaves the server: the same file and checks as streaming, plus the
   * room's download setting and consent (media/downloads.ts). Every GET is logged, resumed ones too.
   */
  app.route({
    method: ['GET', 'HEAD'],
    url: '/api/rooms/:roomId/media/video/download',
    exposeHeadRoute: false,
    schema: { params: RoomParamsSchema },
    handler: async (req, reply) => {
      const { access, row } = await watchable(req.cookies, req.params.roomId);
      await downloads.require(access.room.id);
      if (!row.filePath || !row.mimeType) throw new AppError('not_found', 'This room uses local copies: the video is not on the server.');
      if (req.method === 'GET') await mediaStore.logPlay(access.room.id, access, 'download', row.mode);
      reply.header('Content-Disposition', contentDisposition(downloadFileName(row.fileName, row.container)));
      if (!(await serveFile(req, reply, { path: media.absolute(row.filePath), mimeType: row.mimeType, sha256: row.sha256 }))) {
        throw new AppError('gone', 'The video file is no longer available.');
      }
      return reply;
    },
  });

  app.put(
    '/api/rooms/:roomId/media/downloads',
    { schema: { params: RoomParamsSchema, body: DownloadSettingsBodySchema, response: { 200: DownloadSettingsSchema, ...errors } } },
    async (req) => {
      const a = await guard.requireRoom(req.cookies, req.params.roomId, 'manageRoom');
      return downloads.set(a.room.id, req.body.downloadsAllowed);
    },
  );

  // ---- conversion to H.264/AAC ------------------------------------------------------------

  app.get('/api/rooms/:roomId/media/conversion', { schema: { params: RoomParamsSchema, response: { 200: ConversionSchema, ...errors } } }, async (req) => {
    const a = await guard.requireRoom(req.cookies, req.params.roomId);
    return media.conversion(a.room.id);
  });

  app.post(
    '/api/rooms/:roomId/media/conversion',
    { schema: { params: RoomParamsSchema, body: ConversionBodySchema, response: { 202: ConversionSchema, ...errors } } },
    async (req, reply) => {
      const a = await guard.requireRoom(req.cookies, req.params.roomId, 'manageRoom');
      // An expired video is deleted, not converted.
      await media.removeIfExpired(a.room.id);
      return reply.status(202).send(await media.startConversion(a.room.id));
    },
  );

  app.delete('/api/rooms/:roomId/media/conversion', { schema: { params: RoomParamsSchema, response: { 204: Type.Null(), ...errors } } }, async (req, reply) => {
    const a = await guard.requireRoom(req.cookies, req.params.roomId, 'manageRoom');
    if (!(await media.cancelConversion(a.room.id))) throw new AppError('conflict', 'No conversion is running in this room.');
    return reply.status(204).send(null);
  });

  app.get('/api/rooms/:roomId/media/poster', { schema: { params: RoomParamsSchema } }, async (req, reply) => {
    const { row } = await watchable(req.cookies, req.params.roomId);
    if (!row.posterPath) throw new AppError('not_found', 'This video has no poster frame.');
    return reply.type('image/jpeg').header('Cache-Control', 'private, no-store').send(createReadStream(media.absolute(row.posterPath)));
  });

  // ---- access log ---------------------------------------------------------------------------

  app.post('/api/rooms/:roomId/media/plays', { schema: { params: RoomParamsSchema, body: PlayBodySchema, response: { 204: Type.Null(), ...errors } } }, async (req, reply) => {
    const { access, row } = await watchable(req.cookies, req.params.roomId);
    await mediaStore.logPlay(access.room.id, access, 'player', row.mode);
    return reply.status(204).send(null);
  });

  app.get('/api/rooms/:roomId/media/plays', { schema: { params: RoomParamsSchema, response: { 200: PlayListSchema, ...errors } } }, async (req) => {
    const a = await guard.requireRoom(req.cookies, req.params.roomId, 'seeAccessLog');
    return { plays: await mediaStore.plays(a.room.id) };
  });

  app.get('/api/rooms/:roomId/media/access-log.csv', { schema: { params: RoomParamsSchema } }, async (req, reply) => {
    const a = await guard.requireRoom(req.cookies, req.params.roomId, 'seeAccessLog');
    return reply
      .type('text/csv; charset=utf-8')
      .header('Content-Disposition', 'attachment; filename="toegangslog.csv"')
      .header('Cache-Control', 'private, no-store')
      .send(accessLogCsv(a.room.title, await mediaStore.plays(a.room.id)));
  });

  // ---- demo ---------------------------------------------------------------------------------

  app.post(
    '/api/demo',
    { config: { rateLimit: { max: config.roomCreateLimitPerMinute, timeWindow: '1 minute' } }, schema: { response: { 201: RoomSchema, ...errors } } },
    async (req, reply) => {
      const user = await guard.requireStaff(req.cookies);
      const room = await createDemoRoom(app.services, user);
      return reply.status(201).send(toRoom(room));
    },
  );

  // ---- retention ----------------------------------------------------------------------------

  const roomExists = async (roomId: string) => (await rooms.get(roomId)) !== null;
  const clustered = config.redisUrl !== null;
  let orphansChecked = false;
  // One process of the cluster runs it (cluster/jobs.ts). Alone, leftover files are looked for
  // only at start-up, as nothing can be attaching then; in a cluster only settled ones, each time.
  jobs.schedule({
    name: 'media retention',
    everyMs: SWEEP_INTERVAL_MS,
    async run(signal) {
      if (clustered || !orphansChecked) {
        await media.removeOrphans(roomExists, { settledMs: clustered ? ORPHAN_SETTLED_MS : 0, signal });
        orphansChecked = true;
      }
      await media.sweep(Date.now(), signal);
    },
  });
  app.addHook('onClose', async () => {
    await media.stopConversions();
  });
};
