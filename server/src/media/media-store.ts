import type { Role } from '../../../shared/access/roles.ts';
import type { Play, PlaySource, RemovalReason } from '../../../shared/api/media-schemas.ts';
import type { Database } from '../db/database.ts';
import type { MediaFacts } from './probe.ts';

export interface MediaRow {
  id: string;
  roomId: string;
  mode: 'upload' | 'byo';
  fileName: string;
  size: number;
  container: string | null;
  mimeType: string | null;
  sha256: string | null;
  headTailSha256: string;
  /** ffprobe ran on the file: facts are measured, not taken from the browser. */
  probed: boolean;
  facts: MediaFacts;
  /** Relative to the data directory; null in bring-your-own-file mode. */
  filePath: string | null;
  posterPath: string | null;
  createdAt: number;
}

interface RawMedia {
  id: string;
  room_id: string;
  mode: 'upload' | 'byo';
  file_name: string;
  size: number;
  container: string | null;
  mime_type: string | null;
  sha256: string | null;
  head_tail_sha256: string;
  duration_seconds: number | null;
  width: number | null;
  height: number | null;
  frame_rate: number | null;
  video_codec: string | null;
  audio_codec: string | null;
  pixel_format: string | null;
  probed: number;
  file_path: string | null;
  poster_path: string | null;
  created_at: number;
}

const toMedia = (r: RawMedia): MediaRow => ({
  id: r.id,
  roomId: r.room_id,
  mode: r.mode,
  fileName: r.file_name,
  size: r.size,
  container: r.container,
  mimeType: r.mime_type,
  sha256: r.sha256,
  headTailSha256: r.head_tail_sha256,
  probed: r.probed === 1,
  facts: {
    durationSeconds: r.duration_seconds,
    width: r.width,
    height: r.height,
    frameRate: r.frame_rate,
    videoCodec: r.video_codec,
    audioCodec: r.audio_codec,
    pixelFormat: r.pixel_format,
  },
  filePath: r.file_path,
  posterPath: r.poster_path,
  createdAt: r.created_at,
});

interface RawPlay {
  id: number;
  participant_id: string | null;
  name: string;
  role: Role;
  source: PlaySource;
  mode: 'upload' | 'byo';
  at: number;
}

/** A row's named statement parameters (the statement ignores the ones a statement does not use). */
const toParams = (row: MediaRow) => ({
  id: row.id,
  roomId: row.roomId,
  mode: row.mode,
  fileName: row.fileName,
  size: row.size,
  container: row.container,
  mimeType: row.mimeType,
  sha256: row.sha256,
  headTailSha256: row.headTailSha256,
  ...row.facts,
  pixelFormat: row.facts.pixelFormat ?? null,
  probed: row.probed ? 1 : 0,
  filePath: row.filePath,
  posterPath: row.posterPath,
  createdAt: row.createdAt,
});

/** Rows of the room's video, the reason a video was removed, and the playback access log. */
export function createMediaStore(db: Database) {
  const insert = db.prepare(
    `INSERT INTO media (id, room_id, mode, file_name, size, container, mime_type, sha256, head_tail_sha256, duration_seconds,
       width, height, frame_rate, video_codec, audio_codec, pixel_format, probed, file_path, poster_path, created_at)
     VALUES (@id, @roomId, @mode, @fileName, @size, @container, @mimeType, @sha256, @headTailSha256, @durationSeconds,
       @width, @height, @frameRate, @videoCodec, @audioCodec, @pixelFormat, @probed, @filePath, @posterPath, @createdAt)`,
  );
  const replace = db.prepare(
    `UPDATE media SET id = @id, file_name = @fileName, size = @size, container = @container, mime_type = @mimeType, sha256 = @sha256,
       head_tail_sha256 = @headTailSha256, duration_seconds = @durationSeconds, width = @width, height = @height, frame_rate = @frameRate,
       video_codec = @videoCodec, audio_codec = @audioCodec, pixel_format = @pixelFormat, probed = @probed, file_path = @filePath,
       poster_path = @posterPath
     WHERE room_id = @roomId AND id = @previousId AND mode = 'upload'`,
  );
  const byRoom = db.prepare<[string], RawMedia>('SELECT * FROM media WHERE room_id = ?');
  const all = db.prepare<[], RawMedia>('SELECT * FROM media');
  const remove = db.prepare('DELETE FROM media WHERE room_id = ?');
  const removeVideo = db.prepare('DELETE FROM media WHERE room_id = ? AND id = ?');
  const setRemoval = db.prepare(
    'INSERT INTO media_removals (room_id, reason, removed_at) VALUES (?, ?, ?) ON CONFLICT (room_id) DO UPDATE SET reason = excluded.reason, removed_at = excluded.removed_at',
  );
  const clearRemoval = db.prepare('DELETE FROM media_removals WHERE room_id = ?');
  const removal = db.prepare<[string], { reason: RemovalReason; removed_at: number }>('SELECT reason, removed_at FROM media_removals WHERE room_id = ?');
  const insertPlay = db.prepare('INSERT INTO media_plays (room_id, participant_id, name, role, source, mode, at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const plays = db.prepare<[string], RawPlay>('SELECT * FROM media_plays WHERE room_id = ? ORDER BY at, id');

  return {
    /** Attaching a video clears any earlier "removed because…" notice. */
    async insert(row: MediaRow): Promise<void> {
      await db.transaction(async () => {
        await insert.run(toParams(row));
        await clearRemoval.run(row.roomId);
      });
    },
    /**
     * Swaps the room's uploaded file for a new one (a conversion), keeping when it was added. False
     * when the video `previousId` is no longer the room's (deleted or replaced meanwhile).
     */
    async replace(previousId: string, row: MediaRow): Promise<boolean> {
      return (await replace.run({ ...toParams(row), previousId })).changes === 1;
    },
    get: async (roomId: string): Promise<MediaRow | null> => {
      const r = await byRoom.get(roomId);
      return r ? toMedia(r) : null;
    },
    all: async (): Promise<MediaRow[]> => (await all.all()).map(toMedia),
    /** Deletes the row and records why, in one transaction. */
    remove(roomId: string, reason: RemovalReason): Promise<boolean> {
      return db.transaction(async () => {
        const gone = (await remove.run(roomId)).changes === 1;
        if (gone) await setRemoval.run(roomId, reason, Date.now());
        return gone;
      });
    },
    /**
     * Deletes this video if `decide` still finds a reason, deciding and deleting in one transaction,
     * by the video's id: of two sweeps at once only one deletes it (the other gets null), and a
     * video attached since is never taken for it.
     */
    removeIfExpired(roomId: string, mediaId: string, decide: () => Promise<RemovalReason | null>): Promise<RemovalReason | null> {
      return db.transaction(async () => {
        const reason = await decide();
        if (!reason || (await removeVideo.run(roomId, mediaId)).changes !== 1) return null;
        await setRemoval.run(roomId, reason, Date.now());
        return reason;
      });
    },
    removal: async (roomId: string): Promise<{ reason: RemovalReason; at: number } | null> => {
      const r = await removal.get(roomId);
      return r ? { reason: r.reason, at: r.removed_at } : null;
    },
    async logPlay(roomId: string, who: { participantId: string; name: string; role: Role }, source: PlaySource, mode: 'upload' | 'byo'): Promise<void> {
      await insertPlay.run(roomId, who.participantId, who.name, who.role, source, mode, Date.now());
    },
    plays: async (roomId: string): Promise<Play[]> =>
      (await plays.all(roomId)).map((r) => ({ id: r.id, participantId: r.participant_id, name: r.name, role: r.role, source: r.source, mode: r.mode, at: r.at })),
  };
}
export type MediaStore = ReturnType<typeof createMediaStore>;
