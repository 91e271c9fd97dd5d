import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import * as Y from 'yjs';
import {
  ExportParamsSchema,
  ExportQuerySchema,
  IMPORT_BODY_LIMIT,
  ImportBodySchema,
  ImportDoneSchema,
  ImportPreviewBodySchema,
  ImportPreviewSchema,
  FrameParamsSchema,
  ReportQuerySchema,
  WerkbladReportSchema,
  type ExportFormat,
  type ImportFormat,
} from '../../../shared/api/reports-schemas.ts';
import { ErrorBodySchema, RoomParamsSchema } from '../../../shared/api/schemas.ts';
import { drawingSvg } from '../../../shared/drawing/render.ts';
import type { Shape } from '../../../shared/drawing/shapes.ts';
import { addObservation, readObservationById } from '../../../shared/notes/doc.ts';
import { MAX_DOC_BYTES } from '../../../shared/notes/protocol.ts';
import { toCsv } from '../../../shared/reports/csv.ts';
import { toEaf } from '../../../shared/reports/eaf.ts';
import { exportFileName, sortObservations } from '../../../shared/reports/format.ts';
import { parseCsv, parseEaf, parseWebVtt } from '../../../shared/reports/import.ts';
import { toWerkbladMarkdown } from '../../../shared/reports/markdown.ts';
import { prepareInput } from '../../../shared/reports/pseudonymise.ts';
import { QDPX_MAX_VIDEO_BYTES, toQdpx, toQdpxStream, type QdpxPicture, type QdpxPictures } from '../../../shared/reports/qdpx.ts';
import { ReportImportError, type ImportResult } from '../../../shared/reports/types.ts';
import { toChaptersVtt, toWebVtt } from '../../../shared/reports/webvtt.ts';
import type { Cookies } from '../access/guard.ts';
import type { RoomAccess } from '../rooms/guard.ts';
import { createFrameExtractor, FrameError, frameSize, type FrameSize } from '../drawing/frames.ts';
import { contentDisposition } from '../http/content-disposition.ts';
import { AppError } from '../http/errors.ts';
import type { DownloadableVideo } from '../media/downloads.ts';
import { sharedDocName } from '../notes/endpoint.ts';
import { buildRoomReport, REPORT_THEMES, type RoomReport } from './input.ts';
import { werkbladReport, type FrameSrc } from './report.ts';

/** Drawn frames a .qdpx gets at most (each an ffmpeg run and a PNG in memory); later ones stay in words. */
export const QDPX_MAX_PICTURES = 100;
/** ffmpeg runs at once while rendering them. */
const QDPX_FRAME_RUNS = 2;

const errors = { 400: ErrorBodySchema, 401: ErrorBodySchema, 403: ErrorBodySchema, 404: ErrorBodySchema, 410: ErrorBodySchema, 413: ErrorBodySchema, 422: ErrorBodySchema };

const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  vtt: 'text/vtt; charset=utf-8',
  'chapters.vtt': 'text/vtt; charset=utf-8',
  // ELAN registers no media type of its own; an XML type lets any XML tool open the file.
  eaf: 'application/xml; charset=utf-8',
  qdpx: 'application/zip',
  md: 'text/markdown; charset=utf-8',
};

/** `pictures`: the drawn frames a .qdpx may carry (the route renders them under the download rules). */
function buildExport(format: ExportFormat, report: RoomReport, pseudonymise: boolean, pictures: QdpxPictures): string | Buffer {
  const { input } = report;
  const opts = { pseudonymise };
  switch (format) {
    case 'csv':
      return toCsv(input, opts);
    case 'vtt':
      return toWebVtt(input, opts);
    case 'chapters.vtt':
      return toChaptersVtt(input, opts);
    case 'eaf':
      return toEaf(input, opts);
    case 'qdpx':
      return Buffer.from(toQdpx(input, opts, null, pictures));
    case 'md':
      return toWerkbladMarkdown(input, { ...opts, includeClientFeedback: report.includeClientFeedback });
  }
}

const PARSERS: Record<ImportFormat, (text: string, opts: { themes: typeof REPORT_THEMES }) => ImportResult> = {
  csv: parseCsv,
  vtt: parseWebVtt,
  eaf: parseEaf,
};

/** A file that cannot be used at all becomes 413/422 with the importer's (Dutch + English) reason. */
function parseImport(format: ImportFormat, content: string): ImportResult {
  try {
    return PARSERS[format](content, { themes: REPORT_THEMES });
  } catch (err) {
    if (err instanceof ReportImportError) throw new AppError(err.code, err.message);
    throw err;
  }
}

/**
 * Exports (observations as CSV / WebVTT / ELAN / REFI-QDA, the werkblad as Markdown and as JSON for
 * the print page) and imports of observations from CSV / WebVTT / ELAN files.
 */
export const reportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { guard, notes, downloads, media, mediaStore } = app.services;

  const requireExport = (cookies: Cookies, roomId: string): Promise<RoomAccess> => guard.requireRoom(cookies, roomId, 'export');
  const frames = createFrameExtractor(app.services.config.ffmpegPath);

  /** The frame of the recording at `seconds` with `shapes` over it, as a PNG of `size`. */
  const renderFrame = (video: DownloadableVideo, size: FrameSize, seconds: number, shapes: readonly Shape[]): Promise<Buffer> =>
    frames.extract({
      path: media.absolute(video.filePath),
      seconds,
      frameRate: video.facts.frameRate,
      size,
      ...(shapes.length > 0 ? { overlay: drawingSvg(shapes, size.width, size.height) } : {}),
    });

  /**
   * The drawn observations' frames for a .qdpx, from `video` (the recording as the download rules
   * give it, or null: no pictures), with label texts pseudonymised when asked. A frame ffmpeg
   * cannot make is left out (its drawing stays in words).
   */
  async function qdpxPictures(a: RoomAccess, report: RoomReport, pseudonymise: boolean, video: DownloadableVideo | null): Promise<Map<string, QdpxPicture>> {
    const pictures = new Map<string, QdpxPicture>();
    const size = video ? frameSize(video.facts.width, video.facts.height) : null;
    if (!video || !size) return pictures;
    const drawn = sortObservations(prepareInput(report.input, { pseudonymise }).observations)
      .filter((o) => (o.drawing?.length ?? 0) > 0)
      .slice(0, QDPX_MAX_PICTURES);
    // A few ffmpeg runs at a time, not one per drawing: each takes a core and a decoded frame.
    const waiting = [...drawn];
    const renderNext = async (): Promise<void> => {
      for (let o = waiting.shift(); o; o = waiting.shift()) {
        try {
          pictures.set(o.id, { png: await renderFrame(video, size, o.start, o.drawing!), ...size });
        } catch (err) {
          if (!(err instanceof FrameError)) throw err;
          app.log.warn({ err, roomId: a.room.id }, 'qdpx frame');
        }
      }
    };
    await Promise.all(Array.from({ length: QDPX_FRAME_RUNS }, renderNext));
    return pictures;
  }

  app.get(
    '/api/rooms/:roomId/exports/:format',
    // The 200 body is a file (text or zip bytes), sent as it is, never serialised as JSON.
    { schema: { params: ExportParamsSchema, querystring: ExportQuerySchema, response: { 200: Type.Unknown(), ...errors } } },
    async (req, reply) => {
      const a = await requireExport(req.cookies, req.params.roomId);
      const { format } = req.params;
      const pseudonymise = req.query.pseudonymise === true;
      if (req.query.includeVideo && format !== 'qdpx') throw new AppError('bad_request', 'includeVideo applies to the qdpx export only.', { field: 'includeVideo', rule: 'not_applicable' });
      // The recording goes into the project only under the download rules: the requester may watch
      // it, the host allowed downloads and the consent lets the video leave the room.
      const video = req.query.includeVideo ? await downloads.requireFile(a) : null;
      if (video && video.size > QDPX_MAX_VIDEO_BYTES) throw new AppError('too_large', 'The video is too large to go into a .qdpx file (4 GB at most).');
      const report = await buildRoomReport(app.services, a);
      // Drawn frames are pictures of the recording: under the same download rules, and in its access
      // log (once: an export with the video logs itself below).
      const pictureSource = format === 'qdpx' ? (video ?? (await downloads.requireFile(a).catch(() => null))) : null;
      const pictures = await qdpxPictures(a, report, pseudonymise, pictureSource);
      if (pictureSource && pictures.size > 0 && !video) await mediaStore.logPlay(a.room.id, a, 'export', pictureSource.mode);
      if (video && video.size + [...pictures.values()].reduce((sum, p) => sum + p.png.byteLength, 0) > QDPX_MAX_VIDEO_BYTES) {
        throw new AppError('too_large', 'The video is too large to go into a .qdpx file (4 GB at most).');
      }
      let body: string | Buffer | Readable;
      if (video) {
        const path = media.absolute(video.filePath);
        if (!(await stat(path).catch(() => null))?.isFile()) throw new AppError('gone', 'The video file is no longer available.');
        const file = createReadStream(path, { highWaterMark: 256 * 1024 });
        body = Readable.from(toQdpxStream(report.input, { pseudonymise }, file, pictures));
        // A client that goes away before the zip is read must not leave the file open.
        body.once('close', () => file.destroy());
        await mediaStore.logPlay(a.room.id, a, 'export', video.mode);
      } else {
        body = buildExport(format, report, pseudonymise, pictures);
      }
      // The file name carries the room title, which may name people: pseudonymise it too.
      const title = prepareInput(report.input, { pseudonymise }).room.title;
      req.log.info({ roomId: a.room.id, participantId: a.participantId, format, pseudonymise, includeVideo: video !== null }, 'export');
      return reply
        .header('Content-Type', CONTENT_TYPES[format])
        .header('Content-Disposition', contentDisposition(exportFileName(title, report.input.exportedAt, format)))
        .header('Cache-Control', 'private, no-store')
        .send(body);
    },
  );

  app.get(
    '/api/rooms/:roomId/report',
    { schema: { params: RoomParamsSchema, querystring: ReportQuerySchema, response: { 200: WerkbladReportSchema, ...errors } } },
    async (req, reply) => {
      const a = await requireExport(req.cookies, req.params.roomId);
      reply.header('Cache-Control', 'private, no-store');
      const pseudonymise = req.query.pseudonymise === true;
      // Frames are pictures of the recording: offered only under the rules for downloading it.
      const video = await downloads.requireFile(a).catch(() => null);
      const frameSrc: FrameSrc =
        video && frameSize(video.facts.width, video.facts.height)
          ? (id) => `/api/rooms/${encodeURIComponent(a.room.id)}/observations/${encodeURIComponent(id)}/frame${pseudonymise ? '?pseudonymise=true' : ''}`
          : null;
      return werkbladReport(await buildRoomReport(app.services, a), pseudonymise, frameSrc);
    },
  );

  /**
   * An observation's frame with its drawing over it, as a PNG, rendered by ffmpeg on request and
   * never stored: once the recording is gone (retention, withdrawal, removal) there is nothing to
   * render from and nothing to delete. A picture of the recording leaves the server here, so the
   * download rules apply, and each one is written to the video's access log.
   */
  app.get(
    '/api/rooms/:roomId/observations/:observationId/frame',
    { schema: { params: FrameParamsSchema, querystring: ReportQuerySchema, response: { 200: Type.Unknown(), ...errors } } },
    async (req, reply) => {
      const a = await requireExport(req.cookies, req.params.roomId);
      const video = await downloads.requireFile(a);
      const observation = readObservationById(await notes.getDoc(sharedDocName(a.room.id)), req.params.observationId);
      if (!observation) throw new AppError('not_found', 'There is no such observation in this room.');
      const size = frameSize(video.facts.width, video.facts.height);
      if (!size) throw new AppError('unprocessable', 'The size of the video is not known, so no frame can be made.');
      const pseudonymise = req.query.pseudonymise === true;
      const report = await buildRoomReport(app.services, a);
      const shapes = pseudonymise ? (prepareInput(report.input, { pseudonymise }).observations.find((o) => o.id === observation.id)?.drawing ?? []) : (observation.drawing ?? []);
      let png: Buffer;
      try {
        png = await renderFrame(video, size, observation.start, shapes);
      } catch (err) {
        if (!(err instanceof FrameError)) throw err;
        req.log.warn({ err, roomId: a.room.id }, 'frame');
        throw new AppError('unprocessable', 'No frame could be made from the recording at this moment.');
      }
      await mediaStore.logPlay(a.room.id, a, 'export', video.mode);
      return reply.header('Content-Type', 'image/png').header('Cache-Control', 'private, no-store').send(png);
    },
  );

  app.post(
    '/api/rooms/:roomId/imports/preview',
    {
      bodyLimit: IMPORT_BODY_LIMIT,
      schema: { params: RoomParamsSchema, body: ImportPreviewBodySchema, response: { 200: ImportPreviewSchema, ...errors } },
    },
    async (req) => {
      await guard.requireRoom(req.cookies, req.params.roomId, 'editObservations');
      return parseImport(req.body.format, req.body.content);
    },
  );

  /**
   * Server-side, so the whole file lands as one update (no half import when a browser closes) and
   * the document size limit is checked before anything is written.
   */
  app.post(
    '/api/rooms/:roomId/imports',
    {
      bodyLimit: IMPORT_BODY_LIMIT,
      schema: { params: RoomParamsSchema, body: ImportBodySchema, response: { 200: ImportDoneSchema, ...errors } },
    },
    async (req) => {
      const a = await guard.requireRoom(req.cookies, req.params.roomId, 'editObservations');
      const { items, skipped } = parseImport(req.body.format, req.body.content);
      const selected = req.body.selected;
      if (selected?.some((i) => i >= items.length)) {
        throw new AppError('bad_request', `selected refers to an item that is not in the file (it has ${items.length}).`, { field: 'selected', rule: 'not_found', limit: items.length });
      }
      const chosen = selected ? [...selected].sort((x, y) => x - y).map((i) => items[i]!) : items;
      if (chosen.length === 0) return { added: 0, skipped };

      // Built in a scratch document first, so its size is known before the room's document grows.
      const scratch = new Y.Doc();
      const now = Date.now();
      scratch.transact(() => {
        chosen.forEach((item, i) =>
          addObservation(scratch, {
            start: item.start,
            end: item.end,
            kind: item.kind,
            themes: item.themes,
            text: item.text,
            // The importer vouches for the file; a name in it (an ELAN annotator) is kept as written.
            authorId: a.participantId,
            authorName: item.authorName?.trim() || a.name,
            role: a.role,
            // Distinct creation times keep the file's order among observations at the same start.
            createdAt: now + i,
            updatedAt: now + i,
          }),
        );
      });
      const update = Y.encodeStateAsUpdate(scratch);
      scratch.destroy();
      const doc = await notes.getDoc(sharedDocName(a.room.id));
      if (Y.encodeStateAsUpdate(doc).byteLength + update.byteLength > MAX_DOC_BYTES) {
        throw new AppError('too_large', "These observations would make the room's document larger than it may grow.");
      }
      Y.applyUpdate(doc, update, 'import');
      req.log.info({ roomId: a.room.id, participantId: a.participantId, format: req.body.format, added: chosen.length }, 'import');
      return { added: chosen.length, skipped };
    },
  );
};
