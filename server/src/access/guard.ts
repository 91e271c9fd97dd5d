import type { Config } from '../config.ts';
import { AppError } from '../http/errors.ts';
import type { SessionPolicy, SessionRef, SessionStore } from './sessions.ts';
import type { UserRow, UserStore } from './users.ts';

export const STAFF_COOKIE = 'kk_staff';

export type Cookies = Record<string, string | undefined>;

/** Turns the staff cookie into the signed-in account; rooms/guard.ts builds room access on it. */
export function createStaffGuard(deps: { config: Config; sessions: SessionStore; users: UserStore }) {
  const { config, sessions, users } = deps;
  const staffPolicy: SessionPolicy = { idleMs: config.staffIdleMinutes * 60_000, absoluteMs: config.staffAbsoluteHours * 3_600_000 };

  /** The signed-in account and the session it came with, for whoever keeps a connection open on it. */
  async function staffSession(cookies: Cookies): Promise<{ user: UserRow; session: SessionRef } | null> {
    const token = cookies[STAFF_COOKIE];
    if (!token) return null;
    const session = await sessions.resolve(token, staffPolicy);
    const user = session?.userId ? await users.findById(session.userId) : null;
    return user && session ? { user, session: { id: session.id, policy: staffPolicy } } : null;
  }
  const staff = async (cookies: Cookies): Promise<UserRow | null> => (await staffSession(cookies))?.user ?? null;

  return {
    staffPolicy,
    staffSession,
    staff,
    async requireStaff(cookies: Cookies): Promise<UserRow> {
      const user = await staff(cookies);
      if (!user) throw new AppError('unauthorised', 'Sign in first.');
      return user;
    },
  };
}
export type StaffGuard = ReturnType<typeof createStaffGuard>;
