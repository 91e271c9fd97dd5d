import type { Database } from '../db/database.ts';
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
 *
 * Activity on a live connection (`use`, on every edit) must not cost a database round trip per
 * keystroke: the deadlines last read are kept in memory, so a use is answered from them and
 * reaches the database only when the idle deadline is due to move (at most once a minute) or has
 * passed. A session removed behind the store's back (another process; a test editing rows) is
 * forgotten through `forget`.
 */
export function createSessionStore(db: Database) {
  const insert = db.prepare(
    'INSERT INTO sessions (token_hash, user_id, participant_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const get = db.prepare<[string], RawSession>('SELECT * FROM sessions WHERE token_hash = ?');
  const touch = db.prepare('UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?');
  const remove = db.prepare('DELETE FROM sessions WHERE token_hash = ?');
  const expired = db.prepare<[number], { token_hash: string }>('SELECT token_hash FROM sessions WHERE expires_at < ?');
  const removeExpired = db.prepare('DELETE FROM sessions WHERE expires_at < ?');
  const listeners: SessionsEnded[] = [];
  /** The deadlines of sessions read lately, by id: what `use` answers from. */
  const known = new Map<string, { lastSeenAt: number; expiresAt: number }>();
  const ended = (ids: readonly string[]) => {
    for (const id of ids) known.delete(id);
    if (ids.length > 0) for (const listener of listeners) listener(ids);
  };
  const over = (k: { lastSeenAt: number; expiresAt: number }, policy: SessionPolicy, now: number) =>
    now > k.expiresAt || now - k.lastSeenAt > policy.idleMs;

  /** The live session with this id, or null (and gone from the table) when idle too long or past its end. */
  async function check(id: string, policy: SessionPolicy, now: number, use: boolean): Promise<SessionRow | null> {
    const r = await get.get(id);
    if (!r) {
      if (known.has(id)) ended([id]);
      return null;
    }
    if (over({ lastSeenAt: r.last_seen_at, expiresAt: r.expires_at }, policy, now)) {
      await remove.run(id);
      ended([id]);
      return null;
    }
    const lastSeenAt = use && now - r.last_seen_at > TOUCH_AFTER_MS ? (await touch.run(now, id), now) : r.last_seen_at;
    known.set(id, { lastSeenAt, expiresAt: r.expires_at });
    return { id, userId: r.user_id, participantId: r.participant_id, createdAt: r.created_at, lastSeenAt, expiresAt: r.expires_at };
  }

  return {
    async create(owner: { userId: string } | { participantId: string }, policy: SessionPolicy): Promise<{ token: string; expiresAt: number }> {
      const token = newToken();
      const now = Date.now();
      const expiresAt = now + policy.absoluteMs;
      await insert.run(hashToken(token), 'userId' in owner ? owner.userId : null, 'participantId' in owner ? owner.participantId : null, now, now, expiresAt);
      return { token, expiresAt };
    },
    /** The live session for a token, counting this as use; null when unknown, idle too long or past its end. */
    resolve: (token: string, policy: SessionPolicy, now = Date.now()): Promise<SessionRow | null> => check(hashToken(token), policy, now, true),
    /**
     * Activity on a live connection: moves the idle deadline like a request does. False if the
     * session has ended. Answered without the database (synchronously) while the deadlines in
     * memory say the session lives and the idle deadline need not move yet.
     */
    use(ref: SessionRef, now = Date.now()): boolean | Promise<boolean> {
      const k = known.get(ref.id);
      if (k && !over(k, ref.policy, now) && now - k.lastSeenAt <= TOUCH_AFTER_MS) return true;
      return check(ref.id, ref.policy, now, true).then((row) => row !== null);
    },
    /** Whether the session still lives, without counting as use (the periodic check of live connections). */
    isLive: async (ref: SessionRef, now = Date.now()): Promise<boolean> => (await check(ref.id, ref.policy, now, false)) !== null,
    async revoke(token: string): Promise<void> {
      const id = hashToken(token);
      if ((await remove.run(id)).changes > 0) ended([id]);
    },
    async removeExpired(now = Date.now()): Promise<number> {
      const ids = (await expired.all(now)).map((r) => r.token_hash);
      const n = (await removeExpired.run(now)).changes;
      ended(ids);
      return n;
    },
    /** Drops what is known of these sessions (all without ids): the next use asks the database. */
    forget(ids?: readonly string[]): void {
      if (ids) for (const id of ids) known.delete(id);
      else known.clear();
    },
    onEnded(listener: SessionsEnded): void {
      listeners.push(listener);
    },
  };
}
export type SessionStore = ReturnType<typeof createSessionStore>;
