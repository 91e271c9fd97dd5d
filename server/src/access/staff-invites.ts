import type { Database } from '../db/database.ts';
import { hashToken, newId, newToken } from '../ids.ts';

interface RawStaffInvite {
  id: string;
  is_admin: number;
  expires_at: number;
  used_at: number | null;
}

/**
 * One-time links that let a new staff member choose their own password. The first-run setup link
 * is the same thing with admin rights and no creator.
 */
export function createStaffInviteStore(db: Database) {
  const insert = db.prepare('INSERT INTO staff_invites (id, token_hash, is_admin, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)');
  const get = db.prepare<[string], RawStaffInvite>('SELECT id, is_admin, expires_at, used_at FROM staff_invites WHERE token_hash = ?');
  const use = db.prepare('UPDATE staff_invites SET used_at = ? WHERE id = ? AND used_at IS NULL');
  const dropSetup = db.prepare('DELETE FROM staff_invites WHERE created_by IS NULL AND used_at IS NULL');
  return {
    async create(input: { isAdmin: boolean; createdBy: string | null; ttlMs: number }): Promise<{ token: string; expiresAt: number }> {
      const token = newToken();
      const now = Date.now();
      const expiresAt = now + input.ttlMs;
      await insert.run(newId(), hashToken(token), input.isAdmin ? 1 : 0, input.createdBy, now, expiresAt);
      return { token, expiresAt };
    },
    /** Marks the invite used and returns whether it grants admin; null if unknown, used or expired. */
    async consume(token: string, now = Date.now()): Promise<{ isAdmin: boolean } | null> {
      const r = await get.get(hashToken(token));
      if (!r || r.used_at !== null || r.expires_at < now) return null;
      if ((await use.run(now, r.id)).changes !== 1) return null;
      return { isAdmin: r.is_admin === 1 };
    },
    /** A new setup link replaces any earlier unused one, so only the latest printed link works. */
    async replaceSetupLink(ttlMs: number) {
      await dropSetup.run();
      return this.create({ isAdmin: true, createdBy: null, ttlMs });
    },
  };
}
export type StaffInviteStore = ReturnType<typeof createStaffInviteStore>;
