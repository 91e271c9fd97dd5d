/** Persistence of the playhead event log (migration 004): append one line, read the newest. */
import type { Role } from '../../../shared/access/roles.ts';
import type { PlayheadLogEntry } from '../../../shared/playhead/protocol.ts';
import type { Database } from '../db/database.ts';
import type { SqlValue } from '../db/sql.ts';

export interface PlayheadEventStore {
  /** Stores the entry and returns it with its id. */
  append(roomId: string, entry: Omit<PlayheadLogEntry, 'id'>): Promise<PlayheadLogEntry>;
  /** The newest `limit` entries of the room, oldest first. */
  recent(roomId: string, limit: number): Promise<PlayheadLogEntry[]>;
}

interface Row {
  id: number;
  at: number;
  participant_id: string | null;
  name: string | null;
  role: Role | null;
  action: PlayheadLogEntry['action'];
  position: number;
  value: string;
}

export function createPlayheadEventStore(db: Database): PlayheadEventStore {
  const insert = db.prepare<SqlValue[], { id: number }>(
    'INSERT INTO playhead_events (room_id, at, participant_id, name, role, action, position, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id',
  );
  const newest = db.prepare<[string, number], Row>('SELECT * FROM playhead_events WHERE room_id = ? ORDER BY id DESC LIMIT ?');
  return {
    async append(roomId, entry) {
      const { actor } = entry;
      const row = await insert.get(
        roomId,
        entry.at,
        actor?.participantId ?? null,
        actor?.name ?? null,
        actor?.role ?? null,
        entry.action,
        entry.position,
        JSON.stringify(entry.value),
      );
      return { id: row!.id, ...entry };
    },
    async recent(roomId, limit) {
      return (await newest.all(roomId, limit))
        .reverse()
        .map((r) => ({
          id: r.id,
          at: r.at,
          actor: r.participant_id !== null && r.name !== null && r.role !== null ? { participantId: r.participant_id, name: r.name, role: r.role } : null,
          action: r.action,
          position: r.position,
          value: JSON.parse(r.value) as PlayheadLogEntry['value'],
        }));
    },
  };
}
