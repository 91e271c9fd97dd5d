import type { InviteRole } from '../../../shared/access/roles.ts';
import type { Invite } from '../../../shared/api/schemas.ts';
import type { Database } from '../db/database.ts';
import { hashToken, newId, newToken } from '../ids.ts';

interface RawInvite {
  id: string;
  room_id: string;
  role: InviteRole;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  joined_count: number;
}

const toInvite = (r: RawInvite): Invite => ({
  id: r.id,
  role: r.role,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
  joinedCount: r.joined_count,
});

const SELECT = `SELECT invites.*, (SELECT count(*) FROM participants p WHERE p.invite_id = invites.id) AS joined_count FROM invites`;

export type InviteCheck = { ok: true; invite: Invite & { roomId: string } } | { ok: false; reason: 'unknown' | 'revoked' | 'expired' };

export function createInviteStore(db: Database) {
  const insert = db.prepare('INSERT INTO invites (id, room_id, role, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)');
  const byRoom = db.prepare<[string], RawInvite>(`${SELECT} WHERE room_id = ? ORDER BY created_at DESC, rowid DESC`);
  const byId = db.prepare<[string, string], RawInvite>(`${SELECT} WHERE room_id = ? AND id = ?`);
  const byToken = db.prepare<[string], RawInvite>(`${SELECT} WHERE token_hash = ?`);
  const revoke = db.prepare('UPDATE invites SET revoked_at = ? WHERE room_id = ? AND id = ? AND revoked_at IS NULL');
  return {
    async create(input: { roomId: string; role: InviteRole; expiresAt: number | null }): Promise<{ invite: Invite; token: string }> {
      const token = newToken();
      const id = newId();
      await insert.run(id, input.roomId, input.role, hashToken(token), Date.now(), input.expiresAt);
      return { invite: toInvite((await byId.get(input.roomId, id))!), token };
    },
    listByRoom: async (roomId: string) => (await byRoom.all(roomId)).map(toInvite),
    get: async (roomId: string, id: string) => {
      const r = await byId.get(roomId, id);
      return r ? toInvite(r) : null;
    },
    revoke: async (roomId: string, id: string) => (await revoke.run(Date.now(), roomId, id)).changes === 1,
    /** Checks a capability token; the reason lets the UI tell "revoked" from "expired". */
    async check(token: string, now = Date.now()): Promise<InviteCheck> {
      const r = await byToken.get(hashToken(token));
      if (!r) return { ok: false, reason: 'unknown' };
      if (r.revoked_at !== null) return { ok: false, reason: 'revoked' };
      if (r.expires_at !== null && r.expires_at < now) return { ok: false, reason: 'expired' };
      return { ok: true, invite: { ...toInvite(r), roomId: r.room_id } };
    },
  };
}
export type InviteStore = ReturnType<typeof createInviteStore>;
