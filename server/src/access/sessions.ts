import type { Db } from '../db/database.ts';
import { hashToken, newToken } from '../ids.ts';

export interface SessionRow {
  userId: string | null;
  participantId: string | null;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
}

interface RawSession {
  user_id: string | null;
  participant_id: string | null;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
}

export interface SessionPolicy {
  idleMs: number;
  absoluteMs: number;
}

/**
 * Sessions for staff and for room participants alike. The cookie holds a random token; the table
 * holds its hash, an idle deadline (moved on use) and an absolute deadline (never moved).
 */
export function createSessionStore(db: Db) {
  const insert = db.prepare(
    'INSERT INTO sessions (token_hash, user_id, participant_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const get = db.prepare<[string], RawSession>('SELECT * FROM sessions WHERE token_hash = ?');
  const touch = db.prepare('UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?');
  const remove = db.prepare('DELETE FROM sessions WHERE token_hash = ?');
  const removeExpired = db.prepare('DELETE FROM sessions WHERE expires_at < ?');
  return {
    create(owner: { userId: string } | { participantId: string }, policy: SessionPolicy): { token: string; expiresAt: number } {
      const token = newToken();
      const now = Date.now();
      const expiresAt = now + policy.absoluteMs;
      insert.run(hashToken(token), 'userId' in owner ? owner.userId : null, 'participantId' in owner ? owner.participantId : null, now, now, expiresAt);
      return { token, expiresAt };
    },
    /** Returns the live session for a token, or null when unknown, idle too long or past its end. */
    resolve(token: string, policy: SessionPolicy, now = Date.now()): SessionRow | null {
      const hash = hashToken(token);
      const r = get.get(hash);
      if (!r) return null;
      if (now > r.expires_at || now - r.last_seen_at > policy.idleMs) {
        remove.run(hash);
        return null;
      }
      // Writing on every request would turn reads into writes; a minute of precision is plenty.
      if (now - r.last_seen_at > 60_000) touch.run(now, hash);
      return { userId: r.user_id, participantId: r.participant_id, createdAt: r.created_at, lastSeenAt: now, expiresAt: r.expires_at };
    },
    revoke: (token: string) => void remove.run(hashToken(token)),
    removeExpired: (now = Date.now()) => removeExpired.run(now).changes,
  };
}
export type SessionStore = ReturnType<typeof createSessionStore>;
