import type { Db } from '../db/database.ts';
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

export function createUserStore(db: Db) {
  const byEmail = db.prepare<[string], RawUser>('SELECT * FROM users WHERE email = ?');
  const byId = db.prepare<[string], RawUser>('SELECT * FROM users WHERE id = ?');
  const insert = db.prepare('INSERT INTO users (id, email, name, password_hash, is_admin, created_at) VALUES (?, ?, ?, ?, ?, ?)');
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM users');
  return {
    findByEmail: (email: string) => {
      const r = byEmail.get(email);
      return r ? toUser(r) : null;
    },
    findById: (id: string) => {
      const r = byId.get(id);
      return r ? toUser(r) : null;
    },
    create(input: { email: string; name: string; passwordHash: string; isAdmin: boolean }): UserRow {
      const user = { id: newId(), ...input, createdAt: Date.now() };
      insert.run(user.id, user.email, user.name, user.passwordHash, user.isAdmin ? 1 : 0, user.createdAt);
      return user;
    },
    count: () => count.get()!.n,
  };
}
export type UserStore = ReturnType<typeof createUserStore>;
