import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { toPostgresDdl, type Dialect } from './sql.ts';

/**
 * Numbered migrations are plain SQL files, `NNN-name.sql` in ./migrations, applied in order at
 * start-up, each in its own transaction. Never edit one that has shipped: add the next number.
 * Written in SQLite's words; PostgreSQL gets them through `toPostgresDdl`, or from a
 * `NNN-name.postgres.sql` beside them where the SQL cannot be said portably (triggers, changed
 * constraints, SQLite's implicit rowid).
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** PostgreSQL's own text, when the SQLite one cannot be translated word by word. */
  postgres?: string;
}

const DIR = new URL('./migrations/', import.meta.url);

export function loadMigrations(dir: URL = DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}-[\w-]+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const own = new URL(file.replace(/\.sql$/, '.postgres.sql'), dir);
      const migration: Migration = { version: Number(file.slice(0, 3)), name: file.slice(4, -4), sql: readFileSync(new URL(file, dir), 'utf8') };
      if (existsSync(own)) migration.postgres = readFileSync(own, 'utf8');
      return migration;
    });
}

/** The migration's SQL for this backend. */
export const migrationSql = (m: Migration, dialect: Dialect): string => (dialect === 'sqlite' ? m.sql : (m.postgres ?? toPostgresDdl(m.sql)));

export const MIGRATIONS: readonly Migration[] = loadMigrations();
