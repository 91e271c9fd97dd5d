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
    expect(db.pragma('journal_mode')).toBe('wal');
    expect(db.pragma('foreign_keys')).toBe(1);
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

  it('006 adds the room download switch (off) and download/export sources to the access log, keeping its rows', () => {
    const file = tempFile();
    const old = openDatabase(file, MIGRATIONS.filter((m) => m.version <= 5));
    old.exec(`
      INSERT INTO users (id, email, name, password_hash, is_admin, created_at) VALUES ('u1', 'a@b.nl', 'A', 'h', 1, 1);
      INSERT INTO rooms (id, owner_id, title, created_at) VALUES ('r1', 'u1', 'Kamer', 1);
      INSERT INTO media_plays (id, room_id, participant_id, name, role, source, mode, at) VALUES (7, 'r1', 'p1', 'Karin', 'klantmanager', 'stream', 'upload', 5);
    `);
    expect(() => old.prepare("INSERT INTO media_plays (room_id, name, role, source, mode, at) VALUES ('r1', 'K', 'coach', 'download', 'upload', 6)").run()).toThrow(/CHECK/);
    old.close();

    const db = openDatabase(file);
    expect(db.prepare('SELECT downloads_allowed FROM rooms').all()).toEqual([{ downloads_allowed: 0 }]);
    expect(db.prepare('SELECT * FROM media_plays').all()).toEqual([
      { id: 7, room_id: 'r1', participant_id: 'p1', name: 'Karin', role: 'klantmanager', source: 'stream', mode: 'upload', at: 5 },
    ]);
    const play = db.prepare("INSERT INTO media_plays (room_id, name, role, source, mode, at) VALUES ('r1', 'K', 'coach', ?, 'upload', 6)");
    for (const source of ['download', 'export']) expect(play.run(source).changes).toBe(1);
    expect(() => play.run('stolen')).toThrow(/CHECK/);
    expect(() => db.prepare("UPDATE rooms SET downloads_allowed = 2 WHERE id = 'r1'").run()).toThrow(/CHECK/);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'media_plays'").all()).toEqual([{ name: 'media_plays_room' }]);
    // The log still goes with its room.
    db.prepare("DELETE FROM rooms WHERE id = 'r1'").run();
    expect(db.prepare('SELECT count(*) AS n FROM media_plays').get()).toEqual({ n: 0 });
    db.close();
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
