import type { Role } from '../../../shared/access/roles.ts';
import type { Participant } from '../../../shared/api/schemas.ts';
import type { Database } from '../db/database.ts';
import { newId } from '../ids.ts';

export interface ParticipantRow extends Participant {
  roomId: string;
  inviteId: string | null;
  userId: string | null;
}

interface RawParticipant {
  id: string;
  room_id: string;
  invite_id: string | null;
  user_id: string | null;
  name: string;
  role: Role;
  created_at: number;
}

const toParticipant = (r: RawParticipant): ParticipantRow => ({
  id: r.id,
  roomId: r.room_id,
  inviteId: r.invite_id,
  userId: r.user_id,
  name: r.name,
  role: r.role,
  joinedAt: r.created_at,
});

export function createParticipantStore(db: Database) {
  const insert = db.prepare('INSERT INTO participants (id, room_id, invite_id, user_id, name, role, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const byId = db.prepare<[string], RawParticipant>('SELECT * FROM participants WHERE id = ?');
  const byRoom = db.prepare<[string], RawParticipant>('SELECT * FROM participants WHERE room_id = ? ORDER BY created_at, rowid');
  const byUser = db.prepare<[string, string], RawParticipant>('SELECT * FROM participants WHERE room_id = ? AND user_id = ?');
  const byInvite = db.prepare<[string], { id: string }>('SELECT id FROM participants WHERE invite_id = ?');
  const endSessions = db.prepare('DELETE FROM sessions WHERE participant_id IN (SELECT id FROM participants WHERE invite_id = ?)');
  return {
    async create(input: { roomId: string; inviteId: string | null; userId: string | null; name: string; role: Role }): Promise<ParticipantRow> {
      const id = newId();
      await insert.run(id, input.roomId, input.inviteId, input.userId, input.name, input.role, Date.now());
      return toParticipant((await byId.get(id))!);
    },
    get: async (id: string) => {
      const r = await byId.get(id);
      return r ? toParticipant(r) : null;
    },
    listByRoom: async (roomId: string) => (await byRoom.all(roomId)).map(toParticipant),
    findHost: async (roomId: string, userId: string) => {
      const r = await byUser.get(roomId, userId);
      return r ? toParticipant(r) : null;
    },
    idsByInvite: async (inviteId: string) => (await byInvite.all(inviteId)).map((r) => r.id),
    /** Revoking a link also ends the sessions it opened: access is withdrawn, not just the link. */
    endSessionsOfInvite: async (inviteId: string) => (await endSessions.run(inviteId)).changes,
  };
}
export type ParticipantStore = ReturnType<typeof createParticipantStore>;
