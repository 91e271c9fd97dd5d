import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, schemaVersion, migrate } from '../../server/src/db/database.ts';
import { MIGRATIONS } from '../../server/src/db/migrations.ts';

const schemaOf = (db: ReturnType<typeof openDatabase>) =>
  db.prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").all();

describe('numbered migrations', () => {
  const dirs: string[] = [];
  const tempFile = () => {
    const dir = mkdtempSync(join(tmpdir(), 'kijkkamer-mig-'));
    dirs.push(dir);
    return join(dir, 'db.sqlite');
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('are numbered 1..n without gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it('bring a fresh database to the newest version in WAL mode', () => {
    const db = openDatabase(tempFile());
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();
  });

  it('upgrade a database from every earlier version to the same schema, keeping its rows', () => {
    const fresh = openDatabase(tempFile());
    const target = schemaOf(fresh);
    fresh.close();
    for (let k = 1; k < MIGRATIONS.length + 1; k++) {
      const file = tempFile();
      const old = openDatabase(file, MIGRATIONS.slice(0, k));
      old.prepare("INSERT INTO users (id, email, name, password_hash, is_admin, created_at) VALUES ('u1', 'a@b.nl', 'A', 'h', 1, 1)").run();
      old.close();
      const upgraded = openDatabase(file);
      expect(schemaVersion(upgraded)).toBe(MIGRATIONS.length);
      expect(schemaOf(upgraded)).toEqual(target);
      expect(upgraded.prepare('SELECT email FROM users').all()).toEqual([{ email: 'a@b.nl' }]);
      upgraded.close();
    }
  });

  it('apply nothing twice and roll back a failing migration whole', () => {
    const db = openDatabase(tempFile());
    migrate(db, MIGRATIONS);
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    const broken = { version: MIGRATIONS.length + 1, name: 'broken', sql: 'CREATE TABLE half (x INTEGER); SELECT * FROM no_such_table;' };
    expect(() => migrate(db, [...MIGRATIONS, broken])).toThrow(/no_such_table/);
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'half'").get()).toEqual({ n: 0 });
    db.close();
  });
});
