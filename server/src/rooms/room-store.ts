import type { PermissionOverrides } from '../../../shared/access/roles.ts';
import type { Database } from '../db/database.ts';
import { newId } from '../ids.ts';

export interface RoomRow {
  id: string;
  ownerId: string;
  title: string;
  description: string;
  recordedOn: string | null;
  permissionOverrides: PermissionOverrides;
  /** The host's switch; whether downloading really works also depends on consent (media/downloads.ts). */
  downloadsAllowed: boolean;
  createdAt: number;
  hostName: string;
}

interface RawRoom {
  id: string;
  owner_id: string;
  title: string;
  description: string;
  recorded_on: string | null;
  permission_overrides: string;
  downloads_allowed: number;
  created_at: number;
  host_name: string;
}

const toRoom = (r: RawRoom): RoomRow => ({
  id: r.id,
  ownerId: r.owner_id,
  title: r.title,
  description: r.description,
  recordedOn: r.recorded_on,
  permissionOverrides: JSON.parse(r.permission_overrides) as PermissionOverrides,
  downloadsAllowed: r.downloads_allowed === 1,
  createdAt: r.created_at,
  hostName: r.host_name,
});

const SELECT = 'SELECT rooms.*, users.name AS host_name FROM rooms JOIN users ON users.id = rooms.owner_id';

export function createRoomStore(db: Database) {
  const insert = db.prepare('INSERT INTO rooms (id, owner_id, title, description, recorded_on, created_at) VALUES (?, ?, ?, ?, ?, ?)');
  const byId = db.prepare<[string], RawRoom>(`${SELECT} WHERE rooms.id = ?`);
  // rowid breaks ties between rooms created in the same millisecond, so "newest first" is exact.
  const byOwner = db.prepare<[string], RawRoom>(`${SELECT} WHERE owner_id = ? ORDER BY rooms.created_at DESC, rooms.rowid DESC`);
  const setOverrides = db.prepare('UPDATE rooms SET permission_overrides = ? WHERE id = ?');
  const setDownloads = db.prepare('UPDATE rooms SET downloads_allowed = ? WHERE id = ?');
  const remove = db.prepare('DELETE FROM rooms WHERE id = ?');
  return {
    async create(input: { ownerId: string; title: string; description: string; recordedOn: string | null }): Promise<string> {
      const id = newId();
      await insert.run(id, input.ownerId, input.title, input.description, input.recordedOn, Date.now());
      return id;
    },
    get: async (id: string) => {
      const r = await byId.get(id);
      return r ? toRoom(r) : null;
    },
    listByOwner: async (ownerId: string) => (await byOwner.all(ownerId)).map(toRoom),
    setPermissionOverrides: async (id: string, overrides: PermissionOverrides) => void (await setOverrides.run(JSON.stringify(overrides), id)),
    setDownloadsAllowed: async (id: string, allowed: boolean) => void (await setDownloads.run(allowed ? 1 : 0, id)),
    /** Participants, invites and sessions go with the room through ON DELETE CASCADE. */
    remove: async (id: string) => (await remove.run(id)).changes === 1,
  };
}
export type RoomStore = ReturnType<typeof createRoomStore>;
