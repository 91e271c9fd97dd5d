import { INVITE_ROLES, type InviteRole, type Role } from '../../../shared/access/roles.ts';
import type { Feedback } from '../../../shared/api/kijkwijzer-schemas.ts';
import type { Database } from '../db/database.ts';

/** Who reads client feedback unless the host says otherwise: the people doing the reflection. */
export const DEFAULT_FEEDBACK_ROLES: readonly InviteRole[] = ['onderzoeker', 'klantmanager', 'coach'];

interface RawFeedback {
  fragment_id: string;
  text: string;
  updated_by: string;
  updated_at: number;
}

const toFeedback = (r: RawFeedback): Feedback => ({ fragmentId: r.fragment_id, text: r.text, updatedBy: r.updated_by, updatedAt: r.updated_at });

/** Client feedback per fragment, and the per-room list of roles that may read it. */
export function createFeedbackStore(db: Database) {
  const rolesOf = db.prepare<[string], { feedback_roles: string | null }>('SELECT feedback_roles FROM rooms WHERE id = ?');
  const setRoles = db.prepare('UPDATE rooms SET feedback_roles = ? WHERE id = ?');
  const one = db.prepare<[string, string], RawFeedback>('SELECT * FROM fragment_feedback WHERE room_id = ? AND fragment_id = ?');
  const all = db.prepare<[string], RawFeedback>('SELECT * FROM fragment_feedback WHERE room_id = ? ORDER BY updated_at, fragment_id');
  const upsert = db.prepare(
    `INSERT INTO fragment_feedback (room_id, fragment_id, text, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (room_id, fragment_id) DO UPDATE SET text = excluded.text, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
  );
  const remove = db.prepare('DELETE FROM fragment_feedback WHERE room_id = ? AND fragment_id = ?');

  return {
    async readerRoles(roomId: string): Promise<InviteRole[]> {
      const raw = (await rolesOf.get(roomId))?.feedback_roles;
      if (raw == null) return [...DEFAULT_FEEDBACK_ROLES];
      const parsed: unknown = JSON.parse(raw);
      // Written only through setReaderRoles, but a role list read back is filtered all the same.
      return Array.isArray(parsed) ? INVITE_ROLES.filter((r) => parsed.includes(r)) : [...DEFAULT_FEEDBACK_ROLES];
    },
    setReaderRoles: async (roomId: string, roles: readonly InviteRole[]) =>
      void (await setRoles.run(JSON.stringify(INVITE_ROLES.filter((r) => roles.includes(r))), roomId)),
    /**
     * Writers are the host (manageRoom) and the onderzoeker, who records the interview. A writer
     * can always read what they write; the host's role is never on the list and always reads.
     */
    async access(roomId: string, role: Role, manageRoom: boolean): Promise<{ canRead: boolean; canWrite: boolean }> {
      const canWrite = manageRoom || role === 'onderzoeker';
      return { canWrite, canRead: canWrite || role === 'begeleider' || ((await this.readerRoles(roomId)) as Role[]).includes(role) };
    },
    get: async (roomId: string, fragmentId: string): Promise<Feedback | null> => {
      const r = await one.get(roomId, fragmentId);
      return r ? toFeedback(r) : null;
    },
    list: async (roomId: string): Promise<Feedback[]> => (await all.all(roomId)).map(toFeedback),
    /** An empty (or blank) text removes the feedback; returns what is stored now. */
    async set(roomId: string, fragmentId: string, text: string, by: string): Promise<Feedback | null> {
      if (text.trim() === '') {
        await remove.run(roomId, fragmentId);
        return null;
      }
      await upsert.run(roomId, fragmentId, text, by, Date.now());
      return this.get(roomId, fragmentId);
    },
  };
}
export type FeedbackStore = ReturnType<typeof createFeedbackStore>;
