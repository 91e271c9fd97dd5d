/**
 * The speaker analysis of a room's video and the host's corrections, in the database. Rows belong to the
 * video (foreign key with cascade), so they go wherever the video goes.
 */
import { replay, type Correction, type SpeakerTrack } from '../../../shared/spreektijd/corrections.ts';
import type { AnalysisFailure, AnalysisResult, AnalysisState, SpeakerCount } from '../../../shared/spreektijd/types.ts';
import type { Database } from '../db/database.ts';

export interface AnalysisRow {
  roomId: string;
  mediaId: string;
  state: Exclude<AnalysisState, 'none'>;
  speakerCount: SpeakerCount;
  failure: AnalysisFailure | null;
  result: AnalysisResult | null;
  revision: number;
  updatedAt: number;
}

interface RawAnalysis {
  room_id: string;
  media_id: string;
  state: AnalysisRow['state'];
  speaker_count: SpeakerCount;
  failure: AnalysisFailure | null;
  result: string | null;
  revision: number;
  updated_at: number;
}

const toRow = (r: RawAnalysis): AnalysisRow => ({
  roomId: r.room_id,
  mediaId: r.media_id,
  state: r.state,
  speakerCount: r.speaker_count,
  failure: r.failure,
  result: r.result === null ? null : (JSON.parse(r.result) as AnalysisResult),
  revision: r.revision,
  updatedAt: r.updated_at,
});

export interface CorrectionRow {
  seq: number;
  correction: Correction;
  undone: boolean;
}

/** New turns made by correction `seq` are called `c<seq>`: the same on every replay. */
export const correctionTurnId = (seq: number): string => `c${seq}`;

export function createSpreektijdStore(db: Database) {
  const get = db.prepare<[string], RawAnalysis>('SELECT * FROM speaker_analyses WHERE room_id = ?');
  const unfinished = db.prepare<[number], RawAnalysis>("SELECT * FROM speaker_analyses WHERE state IN ('queued', 'running') AND updated_at <= ? ORDER BY updated_at");
  const upsert = db.prepare(
    `INSERT INTO speaker_analyses (room_id, media_id, state, speaker_count, failure, result, revision, created_at, updated_at)
     VALUES (@roomId, @mediaId, 'queued', @speakerCount, NULL, NULL, 0, @now, @now)
     ON CONFLICT (room_id) DO UPDATE SET media_id = excluded.media_id, state = 'queued', speaker_count = excluded.speaker_count,
       failure = NULL, result = NULL, revision = speaker_analyses.revision + 1, updated_at = excluded.updated_at`,
  );
  const setState = db.prepare("UPDATE speaker_analyses SET state = ?, updated_at = ? WHERE room_id = ? AND media_id = ? AND state IN ('queued', 'running')");
  const toRunning = db.prepare("UPDATE speaker_analyses SET state = 'running', updated_at = ? WHERE room_id = ? AND media_id = ? AND state = 'queued'");
  const touch = db.prepare("UPDATE speaker_analyses SET updated_at = ? WHERE room_id = ? AND media_id = ? AND state IN ('queued', 'running')");
  const finish = db.prepare(
    "UPDATE speaker_analyses SET state = 'done', result = ?, failure = NULL, revision = revision + 1, updated_at = ? WHERE room_id = ? AND media_id = ? AND state = 'running'",
  );
  const fail = db.prepare(
    "UPDATE speaker_analyses SET state = 'failed', failure = ?, result = NULL, revision = revision + 1, updated_at = ? WHERE room_id = ? AND media_id = ? AND state IN ('queued', 'running')",
  );
  const bump = db.prepare('UPDATE speaker_analyses SET revision = revision + 1, updated_at = ? WHERE room_id = ?');
  const clearCorrections = db.prepare('DELETE FROM speaker_corrections WHERE room_id = ?');
  const corrections = db.prepare<[string], { seq: number; correction: string; undone: number }>(
    'SELECT seq, correction, undone FROM speaker_corrections WHERE room_id = ? ORDER BY seq',
  );
  const insertCorrection = db.prepare('INSERT INTO speaker_corrections (room_id, seq, correction, participant_id, created_at) VALUES (?, ?, ?, ?, ?)');
  const dropUndone = db.prepare('DELETE FROM speaker_corrections WHERE room_id = ? AND undone = 1');
  const setUndone = db.prepare('UPDATE speaker_corrections SET undone = ? WHERE room_id = ? AND seq = ?');
  const remove = db.prepare('DELETE FROM speaker_analyses WHERE room_id = ?');
  const lastKept = db.prepare<[string], { seq: number | null }>('SELECT max(seq) AS seq FROM speaker_corrections WHERE room_id = ? AND undone = 0');

  const correctionsOf = async (roomId: string): Promise<CorrectionRow[]> =>
    (await corrections.all(roomId)).map((r) => ({ seq: r.seq, correction: JSON.parse(r.correction) as Correction, undone: r.undone === 1 }));

  return {
    get: async (roomId: string): Promise<AnalysisRow | null> => {
      const r = await get.get(roomId);
      return r ? toRow(r) : null;
    },
    /** Queued or running analyses untouched since `before` (a restart interrupted them), oldest first. */
    unfinished: async (before = Number.MAX_SAFE_INTEGER): Promise<AnalysisRow[]> => (await unfinished.all(before)).map(toRow),
    /** The process that queued or runs this analysis is alive: see `unfinished`. */
    touch: async (roomId: string, mediaId: string, now = Date.now()): Promise<void> => void (await touch.run(now, roomId, mediaId)),
    /** Queues a (new) analysis of this video; earlier results and corrections go. */
    async queue(roomId: string, mediaId: string, speakerCount: SpeakerCount, now = Date.now()): Promise<void> {
      await db.transaction(async () => {
        await upsert.run({ roomId, mediaId, speakerCount, now });
        await clearCorrections.run(roomId);
      });
    },
    /** False when the analysis is gone or belongs to another video now. */
    /** Only from queued: of two processes that queued the same analysis, one runs it. */
    markRunning: async (roomId: string, mediaId: string, now = Date.now()): Promise<boolean> => (await toRunning.run(now, roomId, mediaId)).changes === 1,
    markQueued: async (roomId: string, mediaId: string, now = Date.now()): Promise<boolean> => (await setState.run('queued', now, roomId, mediaId)).changes === 1,
    finish: async (roomId: string, mediaId: string, result: AnalysisResult, now = Date.now()): Promise<boolean> =>
      (await finish.run(JSON.stringify(result), now, roomId, mediaId)).changes === 1,
    fail: async (roomId: string, mediaId: string, failure: AnalysisFailure, now = Date.now()): Promise<boolean> =>
      (await fail.run(failure, now, roomId, mediaId)).changes === 1,
    remove: async (roomId: string): Promise<boolean> => (await remove.run(roomId)).changes === 1,
    corrections: correctionsOf,
    /** The corrected track: the result with every correction that is not undone, in order. */
    async track(row: AnalysisRow): Promise<SpeakerTrack | null> {
      if (!row.result) return null;
      const base: SpeakerTrack = { speakers: row.result.speakers.map((id) => ({ id, role: null, name: '' })), turns: row.result.turns };
      return replay(
        base,
        (await correctionsOf(row.roomId))
          .filter((c) => !c.undone)
          .map((c) => ({ correction: c.correction, newId: correctionTurnId(c.seq) })),
      );
    },
    /** The number the next correction gets (undone ones are dropped by it, so their numbers are free again). */
    nextSeq: async (roomId: string): Promise<number> => ((await lastKept.get(roomId))?.seq ?? 0) + 1,
    /** Stores a correction (after the caller checked it applies); the redo history goes. */
    async addCorrection(roomId: string, seq: number, correction: Correction, participantId: string | null, now = Date.now()): Promise<void> {
      await db.transaction(async () => {
        await dropUndone.run(roomId);
        await insertCorrection.run(roomId, seq, JSON.stringify(correction), participantId, now);
        await bump.run(now, roomId);
      });
    },
    async setUndone(roomId: string, seq: number, undone: boolean, now = Date.now()): Promise<void> {
      await db.transaction(async () => {
        await setUndone.run(undone ? 1 : 0, roomId, seq);
        await bump.run(now, roomId);
      });
    },
  };
}
export type SpreektijdStore = ReturnType<typeof createSpreektijdStore>;
