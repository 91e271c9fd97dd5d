import type { StaffUser } from '../../../shared/api/schemas.ts';
import { api, ApiError } from '../lib/api.ts';

/** The signed-in staff member, if any. Guests never have one: their access is per room. */
class StaffSession {
  user = $state<StaffUser | null>(null);
  loaded = $state(false);

  async load(): Promise<void> {
    try {
      this.user = (await api<{ user: StaffUser }>('GET', '/api/auth/me')).user;
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 401) throw err;
      this.user = null;
    } finally {
      this.loaded = true;
    }
  }

  async signIn(email: string, password: string): Promise<void> {
    this.user = (await api<{ user: StaffUser }>('POST', '/api/auth/signin', { email, password })).user;
  }

  async signOut(): Promise<void> {
    await api('POST', '/api/auth/signout');
    this.user = null;
  }
}

export const session = new StaffSession();
