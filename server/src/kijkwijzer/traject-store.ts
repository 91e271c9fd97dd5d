import type { Traject, TrajectRoom } from '../../../shared/api/kijkwijzer-schemas.ts';
import type { Database } from '../db/database.ts';
import { newId } from '../ids.ts';

interface RawTraject {
  id: string;
  owner_id: string;
  title: string;
  klantmanager_name: string;
  created_at: number;
  room_count: number;
}

interface RawRoom {
  id: string;
  title: string;
  recorded_on: string | null;
  created_at: number;
}

export type TrajectRow = Traject & { ownerId: string };

const toTraject = (r: RawTraject): TrajectRow => ({
  id: r.id,
  ownerId: r.owner_id,
  title: r.title,
  klantmanagerName: r.klantmanager_name,
  createdAt: r.created_at,
  roomCount: r.room_count,
});

const SELECT = 'SELECT trajects.*, (SELECT count(*) FROM rooms WHERE rooms.traject_id = trajects.id) AS room_count FROM trajects';

/**
 * A traject: the recorded conversations of one klantmanager, often with the same client. Its rooms
 * are in the order the conversations took place (recording date, then creation), so "the previous
 * room" is the previous conversation however late it was added.
 */
export function createTrajectStore(db: Database) {
  const insert = db.prepare('INSERT INTO trajects (id, owner_id, title, klantmanager_name, created_at) VALUES (?, ?, ?, ?, ?)');
  const byId = db.prepare<[string], RawTraject>(`${SELECT} WHERE id = ?`);
  const byOwner = db.prepare<[string], RawTraject>(`${SELECT} WHERE owner_id = ? ORDER BY created_at DESC, rowid DESC`);
  const remove = db.prepare('DELETE FROM trajects WHERE id = ?');
  const attach = db.prepare('UPDATE rooms SET traject_id = ? WHERE id = ?');
  const trajectOf = db.prepare<[string], { traject_id: string | null }>('SELECT traject_id FROM rooms WHERE id = ?');
  const rooms = db.prepare<[string], RawRoom>(
    'SELECT id, title, recorded_on, created_at FROM rooms WHERE traject_id = ? ORDER BY recorded_on IS NULL, recorded_on, created_at, rowid',
  );
  return {
    async create(input: { ownerId: string; title: string; klantmanagerName: string }): Promise<TrajectRow> {
      const id = newId();
      await insert.run(id, input.ownerId, input.title, input.klantmanagerName, Date.now());
      return toTraject((await byId.get(id))!);
    },
    get: async (id: string): Promise<TrajectRow | null> => {
      const r = await byId.get(id);
      return r ? toTraject(r) : null;
    },
    listByOwner: async (ownerId: string): Promise<TrajectRow[]> => (await byOwner.all(ownerId)).map(toTraject),
    /** Rooms leave the traject (ON DELETE SET NULL) and keep everything else. */
    remove: async (id: string) => (await remove.run(id)).changes === 1,
    setRoomTraject: async (roomId: string, trajectId: string | null) => void (await attach.run(trajectId, roomId)),
    trajectIdOf: async (roomId: string): Promise<string | null> => (await trajectOf.get(roomId))?.traject_id ?? null,
    rooms: async (trajectId: string): Promise<TrajectRoom[]> =>
      (await rooms.all(trajectId)).map((r) => ({ id: r.id, title: r.title, recordedOn: r.recorded_on, createdAt: r.created_at })),
  };
}
export type TrajectStore = ReturnType<typeof createTrajectStore>;
