import { readdirSync, readFileSync } from 'node:fs';

/**
 * Numbered migrations are plain SQL files, `NNN-name.sql` in ./migrations, applied in order at
 * start-up, each in its own transaction. Never edit one that has shipped: add the next number.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const DIR = new URL('./migrations/', import.meta.url);

export function loadMigrations(dir: URL = DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}-[\w-]+\.sql$/.test(f))
    .sort()
    .map((file) => ({ version: Number(file.slice(0, 3)), name: file.slice(4, -4), sql: readFileSync(new URL(file, dir), 'utf8') }));
}

export const MIGRATIONS: readonly Migration[] = loadMigrations();
