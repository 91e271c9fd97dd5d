import type { Db } from '../db/database.ts';
import { hashToken, newToken } from '../ids.ts';

export interface SessionRow {
  /** The token's hash: names the session without being able to open it. */
  id: string;
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

/** A session as something live connections hang on: its id and the deadlines it lives by. */
export interface SessionRef {
  id: string;
  policy: SessionPolicy;
}

/** Called with the ids of sessions that just ended (signed out, expired, removed). */
export type SessionsEnded = (ids: readonly string[]) => void;

/** Writing on every use would turn reads into writes; a minute of precision is plenty. */
const TOUCH_AFTER_MS = 60_000;

/**
 * Sessions for staff and for room participants alike. The cookie holds a random token; the table
 * holds its hash, an idle deadline (moved on use) and an absolute deadline (never moved). Whoever
 * keeps something open on a session (a live connection) listens for `onEnded`.
 */
export function createSessionStore(db: Db) {
  const insert = db.prepare(
    'INSERT INTO sessions (token_hash, user_id, participant_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const get = db.prepare<[string], RawSession>('SELECT * FROM sessions WHERE token_hash = ?');
  const touch = db.prepare('UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?');
  const remove = db.prepare('DELETE FROM sessions WHERE token_hash = ?');
  const expired = db.prepare<[number], { token_hash: string }>('SELECT token_hash FROM sessions WHERE expires_at < ?');
  const removeExpired = db.prepare('DELETE FROM sessions WHERE expires_at < ?');
  const listeners: SessionsEnded[] = [];
  const ended = (ids: readonly string[]) => {
    if (ids.length > 0) for (const listener of listeners) listener(ids);
  };

  /** The live session with this id, or null (and gone from the table) when idle too long or past its end. */
  function check(id: string, policy: SessionPolicy, now: number, use: boolean): SessionRow | null {
    const r = get.get(id);
    if (!r) return null;
    if (now > r.expires_at || now - r.last_seen_at > policy.idleMs) {
      remove.run(id);
      ended([id]);
      return null;
    }
    const lastSeenAt = use && now - r.last_seen_at > TOUCH_AFTER_MS ? (touch.run(now, id), now) : r.last_seen_at;
    return { id, userId: r.user_id, participantId: r.participant_id, createdAt: r.created_at, lastSeenAt, expiresAt: r.expires_at };
  }

  return {
    create(owner: { userId: string } | { participantId: string }, policy: SessionPolicy): { token: string; expiresAt: number } {
      const token = newToken();
      const now = Date.now();
      const expiresAt = now + policy.absoluteMs;
      insert.run(hashToken(token), 'userId' in owner ? owner.userId : null, 'participantId' in owner ? owner.participantId : null, now, now, expiresAt);
      return { token, expiresAt };
    },
    /** The live session for a token, counting this as use; null when unknown, idle too long or past its end. */
    resolve: (token: string, policy: SessionPolicy, now = Date.now()): SessionRow | null => check(hashToken(token), policy, now, true),
    /** Activity on a live connection: moves the idle deadline like a request does. False if the session has ended. */
    use: (ref: SessionRef, now = Date.now()): boolean => check(ref.id, ref.policy, now, true) !== null,
    /** Whether the session still lives, without counting as use (the periodic check of live connections). */
    isLive: (ref: SessionRef, now = Date.now()): boolean => check(ref.id, ref.policy, now, false) !== null,
    revoke(token: string): void {
      const id = hashToken(token);
      if (remove.run(id).changes > 0) ended([id]);
    },
    removeExpired(now = Date.now()): number {
      const ids = expired.all(now).map((r) => r.token_hash);
      const n = removeExpired.run(now).changes;
      ended(ids);
      return n;
    },
    onEnded(listener: SessionsEnded): void {
      listeners.push(listener);
    },
  };
}
export type SessionStore = ReturnType<typeof createSessionStore>;
