/**
 * The room's video on disk and in the database: attaching (upload or bring-your-own-file),
 * who may watch, and deleting it with everything derived from it (file, poster, fingerprint,
 * unfinished uploads) on withdrawal, at the retention date, or with the room.
 */
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { FileStore } from '@tus/file-store';
import type { ByoBody, Conversion, RemovalReason, VideoAccess } from '../../../shared/api/media-schemas.ts';
import type { ServerToClient } from '../../../shared/realtime/events.ts';
import type { RoomAccess } from '../rooms/guard.ts';
import type { Config } from '../config.ts';
import { AppError } from '../http/errors.ts';
import { newId } from '../ids.ts';
import type { ConsentStore } from './consent-store.ts';
import { createConverter, type FinishOutcome } from './conversion.ts';
import { IngestRefusal, inspectVideo, makePoster, playability, type Inspection } from './ingest.ts';
import type { MediaRow, MediaStore } from './media-store.ts';
import type { Container } from './sniff.ts';

const EXTENSIONS: Record<Container, string> = { mp4: '.mp4', mov: '.mov', webm: '.webm', matroska: '.mkv' };
/** The server-side access log notes a participant's streaming at most this often. */
const STREAM_LOG_INTERVAL_MS = 3_600_000;

/** The calendar date of `now` on this server, as YYYY-MM-DD: retention dates are calendar dates. */
export function isoDay(now: number): string {
  const d = new Date(now);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export const addDays = (day: string, days: number): string => {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
};

/** `IMG_0042.MOV` → `IMG_0042.mp4`: the shown name of a converted video tells its new format. */
export const withExtension = (name: string, extension: string): string => name.replace(/\.[^.\s]{1,5}$/, '') + extension;

/** A file name as shown in the room: no directories, no control characters. */
export function cleanFileName(name: string | null | undefined): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 255);
  return clean || 'video';
}

export type MediaChange = Parameters<ServerToClient['media:changed']>[0];
const CHANGE_FOR_REMOVAL: Record<RemovalReason, MediaChange['reason']> = { withdrawn: 'withdrawn', retention: 'expired', host: 'deleted' };

/** The one log call this module makes; satisfied by Fastify's logger and by pino. */
export interface MediaLog {
  info(obj: object, msg: string): void;
}

export function createMediaService(deps: {
  config: Config;
  consents: ConsentStore;
  store: MediaStore;
  log: MediaLog;
  /** Told when the room's video arrives or goes away, so open rooms can update at once (the server sends `media:changed`). */
  onChange?: (roomId: string, change: MediaChange) => void;
  /** Told the state and progress of the room's conversion (the server sends `media:conversion`). */
  onConversion?: (roomId: string, conversion: Conversion) => void;
}) {
  const { config, consents, store, log } = deps;
  const notify = (roomId: string, change: MediaChange): void => deps.onChange?.(roomId, change);
  const converter = createConverter({
    ffmpegPath: config.ffmpegPath,
    emit: (roomId, conversion) => deps.onConversion?.(roomId, conversion),
    log: (obj, msg) => log.info(obj, msg),
  });
  const mediaRoot = join(config.dataDir, 'media');
  const uploadStore = new FileStore({ directory: join(config.dataDir, 'uploads'), expirationPeriodInMilliseconds: config.uploadExpiryHours * 3_600_000 });
  const streamLogged = new Map<string, number>();
  let streamPrunedAt = Date.now();

  const absolute = (relative: string): string => join(config.dataDir, relative);
  const roomDir = (roomId: string): string => join(mediaRoot, roomId);

  async function videoAccess(a: RoomAccess): Promise<VideoAccess> {
    if (a.role === 'begeleider') return 'allowed';
    if (!a.permissions.seeVideo) return 'no_permission';
    const consent = await consents.current(a.room.id);
    if (!consent || consent.kind !== 'given') return 'no_consent';
    return (consent.allowedRoles as string[]).includes(a.role) ? 'allowed' : 'role_not_in_consent';
  }

  const REFUSALS: Record<Exclude<VideoAccess, 'allowed'>, string> = {
    no_permission: 'Your role in this room does not allow watching the video.',
    no_consent: 'There is no consent on record for this video.',
    role_not_in_consent: 'The client did not consent to your role watching this video.',
  };

  /** A consent that is given and not past its retention date, and no video yet: else why not. */
  async function assertCanAttach(roomId: string, now = Date.now()): Promise<void> {
    const consent = await consents.current(roomId);
    if (!consent) throw new AppError('conflict', 'Record the client’s consent before adding a video.');
    if (consent.kind !== 'given') throw new AppError('conflict', 'The client has withdrawn consent: record new consent before adding a video.');
    if (consent.retentionUntil < isoDay(now)) throw new AppError('conflict', 'The retention date of the consent has passed: record a new consent version first.');
    if (await store.get(roomId)) throw new AppError('conflict', 'This room already has a video. Remove it first.');
  }

  /**
   * Moves an inspected file into the room's folder under a new id and makes its poster frame: the
   * one way a file becomes a room's video, for uploads and conversions alike. Returns the row (to
   * be stored by the caller) and the files, for the caller to delete if it does not store it.
   */
  async function place(roomId: string, source: string, inspection: Inspection, fileName: string, createdAt: number): Promise<{ row: MediaRow; files: string[] }> {
    const id = newId();
    const dir = roomDir(roomId);
    const videoName = `${id}${EXTENSIONS[inspection.container]}`;
    const posterName = `${id}.jpg`;
    await mkdir(dir, { recursive: true });
    const video = join(dir, videoName);
    await rename(source, video);
    const hasPoster = await makePoster(video, join(dir, posterName), config.ffmpegPath);
    const row: MediaRow = {
      id,
      roomId,
      mode: 'upload',
      fileName: cleanFileName(fileName),
      size: inspection.size,
      container: inspection.container,
      mimeType: inspection.mimeType,
      sha256: inspection.sha256,
      headTailSha256: inspection.headTailSha256,
      probed: inspection.probed,
      facts: inspection.facts,
      filePath: join('media', roomId, videoName),
      posterPath: hasPoster ? join('media', roomId, posterName) : null,
      createdAt,
    };
    return { row, files: [video, join(dir, posterName)] };
  }

  const removeFiles = (files: string[]): Promise<unknown> => Promise.all(files.map((f) => rm(f, { force: true })));

  /**
   * Inspects a finished file and makes it the room's video, moving it away from `source`. On
   * refusal nothing is left in the media folder; the caller removes its own source.
   */
  async function attachFile(roomId: string, source: string, fileName: string): Promise<MediaRow> {
    const inspection = await inspectVideo(source);
    const { row, files } = await place(roomId, source, inspection, fileName, Date.now());
    try {
      // Checked again after the slow part: consent may have been withdrawn, or a second upload won.
      await assertCanAttach(roomId);
      await store.insert(row);
    } catch (err) {
      await removeFiles(files);
      throw err;
    }
    notify(roomId, { reason: 'uploaded' });
    return row;
  }

  /**
   * The finish step of a conversion: checks ffmpeg's output like an upload and swaps it in for
   * `previous` (new id, file, poster, checksums and facts), then deletes the old file and poster.
   */
  async function replaceFile(previous: MediaRow, source: string, signal: AbortSignal): Promise<FinishOutcome> {
    const inspection = await inspectVideo(source).catch((err: unknown) => {
      if (err instanceof IngestRefusal) return null;
      throw err;
    });
    if (signal.aborted) return 'cancelled';
    if (!inspection || playability(inspection.probed, inspection.facts) !== 'playable') return 'output';
    const { row, files } = await place(previous.roomId, source, inspection, withExtension(previous.fileName, EXTENSIONS[inspection.container]), previous.createdAt);
    // The point of no return, checked and committed without a pause: a withdrawal or removal
    // either came first (the row is gone or cancelled, so the new file goes) or comes after.
    if (signal.aborted || !await store.replace(previous.id, row)) {
      await removeFiles(files);
      return 'cancelled';
    }
    await removeFiles([previous.filePath, previous.posterPath].filter((p): p is string => p !== null).map(absolute));
    return 'done';
  }

  /**
   * Starts converting the room's uploaded video to H.264/AAC MP4 in the background. Only a video
   * browsers cannot play (`unsupported`); 409 without ffmpeg or while a conversion runs.
   */
  async function startConversion(roomId: string): Promise<Conversion> {
    if (!(await converter.available())) {
      throw new AppError('conflict', 'Converting is not available on this server: it needs ffmpeg with libx264 and AAC (see FFMPEG_PATH).');
    }
    const row = await store.get(roomId);
    if (!row) throw new AppError('not_found', 'This room has no video to convert.');
    if (row.mode !== 'upload' || !row.filePath) throw new AppError('conflict', 'This room uses local copies: there is no file on the server to convert.');
    const current = playability(row.probed, row.facts);
    if (current === 'playable') throw new AppError('conflict', 'Browsers can already play this video: there is nothing to convert.');
    if (current === 'unknown') throw new AppError('conflict', 'The server could not examine this video (ffprobe is missing), so it cannot convert it.');
    const output = join(roomDir(roomId), `${newId()}.converting`);
    converter.start(roomId, {
      input: absolute(row.filePath),
      output,
      durationSeconds: row.facts.durationSeconds,
      finish: (signal) => replaceFile(row, output, signal),
      ended: (outcome) => {
        if (outcome === 'done') notify(roomId, { reason: 'converted' });
      },
    });
    return converter.conversion(roomId);
  }

  async function attachByo(roomId: string, body: ByoBody): Promise<MediaRow> {
    await assertCanAttach(roomId);
    const row: MediaRow = {
      id: newId(),
      roomId,
      mode: 'byo',
      fileName: cleanFileName(body.fileName),
      size: body.size,
      container: null,
      mimeType: null,
      sha256: null,
      headTailSha256: body.headTailSha256,
      probed: false,
      facts: { durationSeconds: body.durationSeconds, width: body.width ?? null, height: body.height ?? null, frameRate: null, videoCodec: null, audioCodec: null, pixelFormat: null },
      filePath: null,
      posterPath: null,
      createdAt: Date.now(),
    };
    await store.insert(row);
    // A fingerprint is a video arriving too: participants can now open their own copy.
    notify(roomId, { reason: 'uploaded' });
    return row;
  }

  /** A staged upload's data and info file; the info file alone when the data is already gone. */
  const removeUpload = (id: string): Promise<void> =>
    uploadStore.remove(id).catch(() => rm(join(uploadStore.directory, `${id}.json`), { force: true }));

  /** Unfinished uploads of one room in the tus staging folder. */
  async function removeUploads(roomId: string): Promise<number> {
    let removed = 0;
    for (const id of await uploadStore.configstore.list!()) {
      const info = await uploadStore.configstore.get(id);
      if (info?.metadata?.roomId !== roomId) continue;
      await removeUpload(id);
      removed++;
    }
    return removed;
  }

  /** Row first, so nothing more is served; then a conversion under way; then the files. */
  async function remove(roomId: string, reason: RemovalReason): Promise<boolean> {
    const row = await store.get(roomId);
    const removed = await store.remove(roomId, reason);
    await converter.drop(roomId);
    if (row) await rm(roomDir(roomId), { recursive: true, force: true });
    if (removed) notify(roomId, { reason: CHANGE_FOR_REMOVAL[reason] });
    return removed;
  }

  /** Why the room's video may no longer be kept (consent gone, retention date passed), or null. */
  async function expiry(roomId: string, now: number): Promise<RemovalReason | null> {
    const consent = await consents.current(roomId);
    if (!consent || consent.kind !== 'given') return 'withdrawn';
    return consent.retentionUntil < isoDay(now) ? 'retention' : null;
  }

  /**
   * Deletes expired videos (retention date passed, or consent no longer given) and unfinished
   * uploads past their expiry. A cluster job (cluster/jobs.ts): one process runs it at start-up or
   * when it takes over, then periodically; `signal` stops it between two videos when that process
   * stops leading. Safe when two run at once: each video is re-checked and deleted in one
   * transaction by its id, so only one sweep deletes it (and its files, and says so).
   */
  async function sweep(now = Date.now(), signal?: AbortSignal): Promise<{ expired: number; uploads: number }> {
    let expired = 0;
    for (const row of await store.all()) {
      if (signal?.aborted) break;
      const reason = await store.removeIfExpired(row.roomId, row.id, () => expiry(row.roomId, now));
      if (!reason) continue;
      await converter.drop(row.roomId);
      await rm(roomDir(row.roomId), { recursive: true, force: true });
      notify(row.roomId, { reason: CHANGE_FOR_REMOVAL[reason] });
      expired++;
      log.info({ roomId: row.roomId, reason }, 'video deleted');
    }
    const uploads = signal?.aborted ? 0 : await removeExpiredUploads(now, signal);
    return { expired, uploads };
  }

  /**
   * Unfinished uploads older than the expiry. Not tus's own `deleteExpired`: a second sweep at
   * the same time would fail on a data file the first had just deleted and leave its info file.
   */
  async function removeExpiredUploads(now: number, signal?: AbortSignal): Promise<number> {
    let removed = 0;
    for (const id of await uploadStore.configstore.list!()) {
      if (signal?.aborted) break;
      const info = await uploadStore.configstore.get(id).catch(() => undefined);
      if (!info?.creation_date || info.offset === info.size) continue;
      if (now - new Date(info.creation_date).getTime() <= config.uploadExpiryHours * 3_600_000) continue;
      await removeUpload(id);
      removed++;
    }
    return removed;
  }

  /**
   * Media folders and staged uploads nothing refers to (a crash between the database and the
   * file system). While a server runs, an attach may be between the two, so one process (no other
   * to attach anything) does this only at start-up; in a cluster, where another process may be
   * attaching at any moment, the leader does it with every sweep but only to files and folders
   * left unchanged for an hour (`settledMs`).
   */
  async function removeOrphans(roomExists: (roomId: string) => Promise<boolean>, options: { settledMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    const { settledMs = 0, signal } = options;
    const now = Date.now();
    /** Unchanged for settledMs: not written, created, renamed or moved into lately (ctime follows a rename). */
    const settled = async (path: string): Promise<boolean> => {
      if (settledMs === 0) return true;
      const s = await stat(path).catch(() => null);
      return s !== null && now - Math.max(s.mtimeMs, s.ctimeMs) >= settledMs;
    };
    const entries = await readdir(mediaRoot, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (signal?.aborted) return;
      const roomId = entry.name;
      const dir = roomDir(roomId);
      const row = entry.isDirectory() && (await roomExists(roomId)) ? await store.get(roomId) : null;
      if (!row?.filePath) {
        if (await settled(dir)) await rm(dir, { recursive: true, force: true });
        continue;
      }
      const keep = new Set([row.filePath, row.posterPath].filter((p): p is string => p !== null).map((p) => p.split(/[\\/]/).pop()));
      for (const file of await readdir(dir).catch(() => [] as string[])) {
        if (!keep.has(file) && (await settled(join(dir, file)))) await rm(join(dir, file), { force: true });
      }
    }
    // Staged data files without their tus info file can never be resumed.
    const staged = await readdir(uploadStore.directory).catch(() => [] as string[]);
    const infos = new Set(staged.filter((f) => extname(f) === '.json').map((f) => f.slice(0, -5)));
    for (const file of staged) {
      if (extname(file) !== '.json' && !infos.has(file) && (await settled(join(uploadStore.directory, file)))) await rm(join(uploadStore.directory, file), { force: true });
    }
    for (const id of infos) {
      if (signal?.aborted) return;
      const info = await uploadStore.configstore.get(id).catch(() => undefined);
      if (!(await roomExists(String(info?.metadata?.roomId))) && (await settled(join(uploadStore.directory, `${id}.json`)))) await removeUpload(id);
    }
  }

  return {
    uploadStore,
    absolute,
    videoAccess,
    /** Throws 403 with the reason unless this participant may watch the room's video. */
    async requireVideoAccess(a: RoomAccess): Promise<void> {
      const access = await videoAccess(a);
      if (access !== 'allowed') throw new AppError('forbidden', REFUSALS[access]);
    },
    assertCanAttach,
    attachFile,
    attachByo,
    remove,
    /** A withdrawal or retention removal also ends uploads still under way. */
    removeUploads,
    removeUpload,
    /** Everything of a deleted room on disk (its rows go with the room by cascade). */
    async removeRoom(roomId: string): Promise<void> {
      await converter.drop(roomId);
      await removeUploads(roomId);
      await rm(roomDir(roomId), { recursive: true, force: true });
    },
    sweep,
    /** Between two sweeps: deletes the room's video now if it has expired, and says whether it did. */
    async removeIfExpired(roomId: string, now = Date.now()): Promise<boolean> {
      const reason = await expiry(roomId, now);
      return reason !== null && (await remove(roomId, reason));
    },
    removeOrphans,
    /** The room's conversion: whether the server can convert, and how far it is. */
    conversion: (roomId: string): Promise<Conversion> => converter.conversion(roomId),
    startConversion,
    /** Stops the room's conversion and removes its output; false when none was running. */
    cancelConversion: (roomId: string): Promise<boolean> => converter.cancel(roomId),
    /** Server shutdown: no ffmpeg outlives it, and no half-written output stays behind. */
    stopConversions: (): Promise<void> => converter.stopAll(),
    /** True when this participant's streaming should be logged now (first time this hour). */
    shouldLogStream(participantId: string, now = Date.now()): boolean {
      // This process's own memory: pruned here, not by the sweep (which may run in another process).
      if (now - streamPrunedAt >= STREAM_LOG_INTERVAL_MS) {
        for (const [id, at] of streamLogged) if (now - at >= STREAM_LOG_INTERVAL_MS) streamLogged.delete(id);
        streamPrunedAt = now;
      }
      const last = streamLogged.get(participantId);
      if (last !== undefined && now - last < STREAM_LOG_INTERVAL_MS) return false;
      streamLogged.set(participantId, now);
      return true;
    },
  };
}
export type MediaService = ReturnType<typeof createMediaService>;
