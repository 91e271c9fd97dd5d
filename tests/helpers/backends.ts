/**
 * The two store backends as places for a database that tests can open (more than once): SQLite in
 * a temporary file, PostgreSQL as a fresh database on the run's server (tests/setup/postgres.ts,
 * so only integration tests can use it). Parametrised suites run `describe.each(BACKENDS)`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { openStore, type Database } from '../../server/src/db/database.ts';
import { MIGRATIONS } from '../../server/src/db/migrations.ts';
import { createTestDatabase } from './postgres.ts';

export interface Backend {
  name: 'sqlite' | 'postgres';
  create(): Promise<{ open(migrations?: typeof MIGRATIONS): Promise<Database>; dispose(): Promise<void> }>;
}

export const sqlite: Backend = {
  name: 'sqlite',
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'kijkkamer-db-'));
    const target = { databaseUrl: null, sqliteFile: join(dir, 'db.sqlite') };
    return { open: (migrations = MIGRATIONS) => openStore(target, migrations), dispose: async () => rmSync(dir, { recursive: true, force: true }) };
  },
};

export const postgres: Backend = {
  name: 'postgres',
  async create() {
    const database = await createTestDatabase(inject('postgresUrl'));
    const target = { databaseUrl: database.url, sqliteFile: '' };
    return { open: (migrations = MIGRATIONS) => openStore(target, migrations), dispose: () => database.drop() };
  },
};

export const BACKENDS: readonly Backend[] = [sqlite, postgres];
