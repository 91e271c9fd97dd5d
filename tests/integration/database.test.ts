/**
 * The store interface on both backends: the same tests against SQLite (a temporary file) and
 * PostgreSQL (a fresh database on the run's server, tests/setup/postgres.ts). Every numbered
 * migration applies on both; statements, ids, types and transactions behave the same.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SchemaError, type Database } from '../../server/src/db/database.ts';
import { MIGRATIONS } from '../../server/src/db/migrations.ts';
import { DatabaseConfigError, openPostgres } from '../../server/src/db/postgres.ts';
import { BACKENDS, type Backend } from '../helpers/backends.ts';
import { createTestDatabase } from '../helpers/postgres.ts';

describe.each(BACKENDS)('store interface on $name', (backend) => {
  let db: Database;
  let place: Awaited<ReturnType<Backend['create']>>;
  beforeAll(async () => {
    place = await backend.create();
    db = await place.open();
  });
  afterAll(async () => {
    await db.close();
    await place.dispose();
  });

  const user = async (id: string, email = `${id}@kijkkamer.test`) =>
    db.prepare('INSERT INTO users (id, email, name, password_hash, is_admin, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(id, email, id, 'x', 0, Date.now());

  it('applies every numbered migration', async () => {
    expect(await db.schemaVersion()).toBe(MIGRATIONS.at(-1)!.version);
    expect(db.dialect).toBe(backend.name);
  });

  it('stores milliseconds, reals, blobs and text as they were, and numbers come back as numbers', async () => {
    const now = Date.now();
    await user('u-types');
    await db.prepare('INSERT INTO rooms (id, owner_id, title, created_at) VALUES (?, ?, ?, ?)').run('r-types', 'u-types', 'Kamer', now);
    const row = await db.prepare<[string], { created_at: number; n: number }>('SELECT created_at, (SELECT count(*) FROM rooms) AS n FROM rooms WHERE id = ?').get('r-types');
    expect(row).toEqual({ created_at: now, n: 1 });
    const bytes = new Uint8Array([0, 1, 2, 255, 0]);
    const { id } = (await db.prepare<[string, Uint8Array, number], { id: number }>('INSERT INTO doc_updates (doc, "update", created_at) VALUES (?, ?, ?) RETURNING id').get('d', bytes, now))!;
    expect(typeof id).toBe('number');
    const back = await db.prepare<[number], { update: Uint8Array }>('SELECT "update" FROM doc_updates WHERE id = ?').get(id);
    expect(new Uint8Array(back!.update)).toEqual(bytes);
    await db.prepare('INSERT INTO playhead_events (room_id, at, action, position) VALUES (?, ?, ?, ?)').run('r-types', now, 'seek', 12.345678901);
    expect((await db.prepare<[string], { position: number }>('SELECT position FROM playhead_events WHERE room_id = ?').get('r-types'))!.position).toBe(12.345678901);
  });

  it('binds named parameters, a name used twice included', async () => {
    await user('u-named');
    await db.prepare('INSERT INTO rooms (id, owner_id, title, created_at) VALUES (?, ?, ?, ?)').run('r-named', 'u-named', 'Kamer', 1);
    const insert = db.prepare(
      `INSERT INTO consents (id, room_id, version, kind, client_label, consent_date, method, purposes, allowed_roles, fragments_outside_room, retention_until, recorded_by, created_at)
       VALUES (@id, @roomId, (SELECT coalesce(max(version), 0) + 1 FROM consents WHERE room_id = @roomId), 'given', 'C', '2026-01-01', 'paper', '[]', '[]', 0, '2027-01-01', 'h', @at)`,
    );
    await insert.run({ id: 'c1', roomId: 'r-named', at: 1 });
    await insert.run({ id: 'c2', roomId: 'r-named', at: 2, unused: 'ignored' });
    expect(await db.prepare<[string], { version: number }>('SELECT version FROM consents WHERE room_id = ? ORDER BY version').all('r-named')).toEqual([{ version: 1 }, { version: 2 }]);
  });

  it('keeps consent records append-only', async () => {
    await expect(db.prepare("UPDATE consents SET note = 'changed' WHERE id = ?").run('c1')).rejects.toThrow(/append-only/);
  });

  it('compares e-mail addresses without case, and refuses a second account for one', async () => {
    await user('u-case', 'Anna@Kijkkamer.test');
    expect(await db.prepare<[string], { id: string }>('SELECT id FROM users WHERE lower(email) = lower(?)').get('anna@kijkkamer.TEST')).toEqual({ id: 'u-case' });
    await expect(user('u-case-2', 'ANNA@kijkkamer.test')).rejects.toThrow();
  });

  it('orders rows made in the same millisecond by rowid, on both backends', async () => {
    await user('u-order');
    for (const id of ['r-b', 'r-a', 'r-c']) await db.prepare('INSERT INTO rooms (id, owner_id, title, created_at) VALUES (?, ?, ?, ?)').run(id, 'u-order', id, 5);
    const rows = await db.prepare<[string], { id: string }>('SELECT id FROM rooms WHERE owner_id = ? ORDER BY created_at DESC, rowid DESC').all('u-order');
    expect(rows.map((r) => r.id)).toEqual(['r-c', 'r-a', 'r-b']);
  });

  it('commits a transaction, rolls back a failed one, and a nested failure only back to its savepoint', async () => {
    const insert = db.prepare('INSERT INTO doc_state (doc, state, updated_at) VALUES (?, ?, ?)');
    const count = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM doc_state WHERE doc LIKE ?');
    await db.transaction(async () => {
      await insert.run('tx-1', new Uint8Array([1]), 1);
    });
    await expect(
      db.transaction(async () => {
        await insert.run('tx-2', new Uint8Array([1]), 1);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await db.transaction(async () => {
      await insert.run('tx-3', new Uint8Array([1]), 1);
      await expect(
        db.transaction(async () => {
          await insert.run('tx-4', new Uint8Array([1]), 1);
          throw new Error('inner');
        }),
      ).rejects.toThrow('inner');
    });
    expect((await count.get('tx-%'))!.n).toBe(2);
    expect(await db.prepare<[], { doc: string }>("SELECT doc FROM doc_state WHERE doc LIKE 'tx-%' ORDER BY doc").all()).toEqual([{ doc: 'tx-1' }, { doc: 'tx-3' }]);
  });

  it('keeps statements from outside a transaction out of it: a rollback never takes them along', async () => {
    const insert = db.prepare('INSERT INTO doc_state (doc, state, updated_at) VALUES (?, ?, ?)');
    let inside!: () => void;
    const paused = new Promise<void>((resolve) => (inside = resolve));
    let release!: () => void;
    const hold = new Promise<void>((resolve) => (release = resolve));
    const failing = db.transaction(async () => {
      await insert.run('iso-in', new Uint8Array([1]), 1);
      inside();
      await hold;
      throw new Error('rolled back');
    });
    await paused;
    // Written by someone else while the transaction is open.
    const outside = insert.run('iso-out', new Uint8Array([1]), 1);
    release();
    await expect(failing).rejects.toThrow('rolled back');
    await outside;
    expect(await db.prepare<[], { doc: string }>("SELECT doc FROM doc_state WHERE doc LIKE 'iso-%'").all()).toEqual([{ doc: 'iso-out' }]);
  });

  it('refuses a database whose schema is newer than this build, in a sentence, and upgrades an older one', async () => {
    const other = await backend.create();
    try {
      const old = await other.open(MIGRATIONS.filter((m) => m.version <= 5));
      expect(await old.schemaVersion()).toBe(5);
      await old.close();
      const upgraded = await other.open();
      expect(await upgraded.schemaVersion()).toBe(MIGRATIONS.at(-1)!.version);
      await upgraded.close();
      await expect(other.open(MIGRATIONS.slice(0, -1))).rejects.toThrow(SchemaError);
      await expect(other.open(MIGRATIONS.slice(0, -1))).rejects.toThrow(/newer than this Kijkkamer knows/);
    } finally {
      await other.dispose();
    }
  });
});

describe('PostgreSQL configuration errors at start', () => {
  it('a server that does not answer', async () => {
    await expect(openPostgres('postgres://kijkkamer@127.0.0.1:1/kijkkamer')).rejects.toThrow(DatabaseConfigError);
    await expect(openPostgres('postgres://kijkkamer@127.0.0.1:1/kijkkamer')).rejects.toThrow(/cannot use PostgreSQL at 127\.0\.0\.1:1\/kijkkamer/);
  });

  it('a database that does not exist', async () => {
    const url = new URL(inject('postgresUrl'));
    url.pathname = '/kijkkamer_no_such_database';
    await expect(openPostgres(url.toString())).rejects.toThrow(/cannot use PostgreSQL .*kijkkamer_no_such_database/);
  });

  it('a schema newer than this build (another, newer Kijkkamer migrated it)', async () => {
    const database = await createTestDatabase(inject('postgresUrl'));
    try {
      const db = await openPostgres(database.url);
      await db.close();
      await expect(openPostgres(database.url, MIGRATIONS.slice(0, -1))).rejects.toThrow(SchemaError);
      await expect(openPostgres(database.url, MIGRATIONS.slice(0, -1))).rejects.toThrow(/newer than this Kijkkamer knows/);
    } finally {
      await database.drop();
    }
  });

  it('a migration that fails names itself and leaves the schema where it was', async () => {
    const database = await createTestDatabase(inject('postgresUrl'));
    try {
      const broken = { version: 999, name: 'broken', sql: 'INSERT INTO no_such_table VALUES (1)' };
      await expect(openPostgres(database.url, [...MIGRATIONS, broken])).rejects.toThrow(/migration 999-broken failed/);
      const db = await openPostgres(database.url);
      expect(await db.schemaVersion()).toBe(MIGRATIONS.at(-1)!.version);
      await db.close();
    } finally {
      await database.drop();
    }
  });
});
