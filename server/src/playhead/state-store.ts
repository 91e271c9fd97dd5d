/**
 * Persistence of each room's timeline (migration 007): one row per room, written through on every
 * change (an UPSERT of one small row), and read once when the room's playhead opens in a new
 * process. While a room plays, `alive` moves its `alive_at` on, which bounds how far a room could
 * have played before a crash.
 */
import type { PlayheadMode, PlayheadPerson } from '../../../shared/playhead/protocol.ts';
import type { StoredTimeline } from '../../../shared/playhead/timeline.ts';
import type { Database } from '../db/database.ts';
import type { SqlValue } from '../db/sql.ts';

export interface StoredPlayhead {
  timeline: StoredTimeline;
  mode: PlayheadMode;
  presenter: PlayheadPerson | null;
}

export interface PlayheadStateStore {
  load(roomId: string): Promise<StoredPlayhead | null>;
  save(roomId: string, saved: StoredPlayhead): Promise<void>;
  /** The rooms are still playing at wall time `at`. */
  alive(roomIds: readonly string[], at: number): Promise<void>;
}

interface Row {
  version: number;
  paused: number;
  rate: number;
  position: number;
  at: number;
  alive_at: number;
  duration: number | null;
  frame_rate: number;
  mode: PlayheadMode;
  presenter_id: string | null;
  presenter_name: string | null;
}

export function createPlayheadStateStore(db: Database): PlayheadStateStore {
  const select = db.prepare<[string], Row>('SELECT * FROM playhead_state WHERE room_id = ?');
  const upsert = db.prepare<SqlValue[]>(
    `INSERT INTO playhead_state (room_id, version, paused, rate, position, at, alive_at, duration, frame_rate, mode, presenter_id, presenter_name)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (room_id) DO UPDATE SET version = excluded.version, paused = excluded.paused, rate = excluded.rate,
       position = excluded.position, at = excluded.at, alive_at = excluded.alive_at, duration = excluded.duration,
       frame_rate = excluded.frame_rate, mode = excluded.mode, presenter_id = excluded.presenter_id, presenter_name = excluded.presenter_name`,
  );
  // CASE rather than SQLite's two-argument max(), which PostgreSQL calls GREATEST.
  const touch = db.prepare<[number, number, string]>('UPDATE playhead_state SET alive_at = CASE WHEN alive_at < ? THEN ? ELSE alive_at END WHERE room_id = ? AND paused = 0');
  return {
    async load(roomId) {
      const row = await select.get(roomId);
      if (!row) return null;
      return {
        timeline: {
          version: row.version,
          paused: row.paused === 1,
          rate: row.rate,
          position: row.position,
          at: row.at,
          aliveAt: row.alive_at,
          duration: row.duration,
          frameRate: row.frame_rate,
        },
        mode: row.mode,
        presenter: row.presenter_id !== null && row.presenter_name !== null ? { participantId: row.presenter_id, name: row.presenter_name } : null,
      };
    },
    async save(roomId, { timeline: t, mode, presenter }) {
      await upsert.run(roomId, t.version, t.paused ? 1 : 0, t.rate, t.position, t.at, t.aliveAt, t.duration, t.frameRate, mode, presenter?.participantId ?? null, presenter?.name ?? null);
    },
    async alive(roomIds, at) {
      if (roomIds.length === 0) return;
      await db.transaction(async () => {
        for (const id of roomIds) await touch.run(at, at, id);
      });
    },
  };
}
