import type { Database } from '../db/database.ts';
import { newId } from '../ids.ts';

export interface UserRow {
  id: string;
  email: string;
  name: string;
  passwordHash: string;
  isAdmin: boolean;
  createdAt: number;
}

interface RawUser {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  is_admin: number;
  created_at: number;
}

const toUser = (r: RawUser): UserRow => ({
  id: r.id,
  email: r.email,
  name: r.name,
  passwordHash: r.password_hash,
  isAdmin: r.is_admin === 1,
  createdAt: r.created_at,
});

export function createUserStore(db: Database) {
  const byEmail = db.prepare<[string], RawUser>('SELECT * FROM users WHERE lower(email) = lower(?)');
  const byId = db.prepare<[string], RawUser>('SELECT * FROM users WHERE id = ?');
  const insert = db.prepare('INSERT INTO users (id, email, name, password_hash, is_admin, created_at) VALUES (?, ?, ?, ?, ?, ?)');
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM users');
  return {
    findByEmail: async (email: string) => {
      const r = await byEmail.get(email);
      return r ? toUser(r) : null;
    },
    findById: async (id: string) => {
      const r = await byId.get(id);
      return r ? toUser(r) : null;
    },
    async create(input: { email: string; name: string; passwordHash: string; isAdmin: boolean }): Promise<UserRow> {
      const user = { id: newId(), ...input, createdAt: Date.now() };
      await insert.run(user.id, user.email, user.name, user.passwordHash, user.isAdmin ? 1 : 0, user.createdAt);
      return user;
    },
    count: async () => (await count.get())!.n,
  };
}
export type UserStore = ReturnType<typeof createUserStore>;
