import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { backup, DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { migrationSql, MIGRATIONS, type Migration } from './migrations.ts';
import type { Dialect, Params as SqlParams } from './sql.ts';

type Params = SQLInputValue[] | [Record<string, SQLInputValue>];

/** A prepared node:sqlite statement with the row and parameter types the caller declares. */
export interface SyncStatement<P extends Params = Params, R = Record<string, unknown>> {
  run(...params: P): { changes: number; lastInsertRowid: number };
  get(...params: P): R | undefined;
  all(...params: P): R[];
}

/**
 * Node's built-in SQLite (`node:sqlite`), synchronous, with typed statements and nestable
 * transactions. The stores reach it through `Database` (below); the backup and restore commands
 * and a few tests use it directly.
 */
export class Db {
  readonly #db: DatabaseSync;
  #depth = 0;

  constructor(file: string, options: { readOnly?: boolean } = {}) {
    this.#db = new DatabaseSync(file, { readOnly: options.readOnly ?? false });
  }

  prepare<P extends Params = Params, R = Record<string, unknown>>(sql: string): SyncStatement<P, R> {
    const statement: StatementSync = this.#db.prepare(sql);
    // An object with more fields than the statement names (a whole row type) binds what it needs.
    statement.setAllowUnknownNamedParameters(true);
    return statement as unknown as SyncStatement<P, R>;
  }

  exec(sql: string): void {
    this.#db.exec(sql);
  }

  /** A single value from the first row, e.g. `db.pragma('journal_mode')`. */
  pragma(name: string): unknown {
    const row = this.#db.prepare(`PRAGMA ${name}`).get();
    return row ? Object.values(row)[0] : undefined;
  }

  /** Runs `fn` in one transaction; a nested call becomes a savepoint. Throwing rolls back. */
  transaction<T>(fn: () => T): T {
    const savepoint = `sp${this.#depth}`;
    this.#db.exec(this.#depth === 0 ? 'BEGIN IMMEDIATE' : `SAVEPOINT ${savepoint}`);
    this.#depth++;
    try {
      const result = fn();
      this.#depth--;
      this.#db.exec(this.#depth === 0 ? 'COMMIT' : `RELEASE ${savepoint}`);
      return result;
    } catch (err) {
      this.#depth--;
      this.#db.exec(this.#depth === 0 ? 'ROLLBACK' : `ROLLBACK TO ${savepoint}; RELEASE ${savepoint}`);
      throw err;
    }
  }

  /**
   * A consistent copy of the whole database at `path`, taken while others keep writing: all pages
   * in one step, inside one read transaction, so the copy is the database at one moment (in WAL
   * mode writers are not held up meanwhile). Returns the number of pages copied.
   */
  backup(path: string): Promise<number> {
    return backup(this.#db, path, { rate: 2 ** 31 - 1 });
  }

  get open(): boolean {
    return this.#db.isOpen;
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}

/**
 * The one store interface both backends implement: prepared statements whose results arrive as
 * promises, and transactions that every statement run inside them joins (through the async
 * context, so a store needs no handle of its own). SQLite is the embedded default; PostgreSQL is
 * used when DATABASE_URL is set (postgres.ts).
 */
export interface Statement<P extends SqlParams = SqlParams, R = Record<string, unknown>> {
  run(...params: P): Promise<{ changes: number }>;
  get(...params: P): Promise<R | undefined>;
  all(...params: P): Promise<R[]>;
}

export interface Database {
  readonly dialect: Dialect;
  prepare<P extends SqlParams = SqlParams, R = Record<string, unknown>>(sql: string): Statement<P, R>;
  /**
   * Runs `fn` in one transaction: every statement it runs (in any store) is part of it, a nested
   * call becomes a savepoint, throwing rolls back. Statements from elsewhere wait or run beside it
   * (PostgreSQL's other connections), never inside it.
   */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /** The newest migration applied. */
  schemaVersion(): Promise<number>;
  close(): Promise<void>;
}

/** The database's schema is newer than this build knows, or a migration could not be applied. */
export class SchemaError extends Error {}

const resolved = <T>(fn: () => T): Promise<T> => {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err as Error);
  }
};

/**
 * `Database` on node:sqlite. A statement runs at once (synchronously, in the caller's tick); a
 * transaction holds the one connection, so statements from outside it wait until it ends instead
 * of slipping into it between two of its awaits.
 */
export class SqliteDatabase implements Database {
  readonly dialect = 'sqlite' as const;
  readonly db: Db;
  readonly #context = new AsyncLocalStorage<object>();
  /** The running transaction's token, and a promise that settles when it ends. */
  #owner: object | null = null;
  #free: Promise<void> = Promise.resolve();
  #depth = 0;

  constructor(db: Db) {
    this.db = db;
  }

  prepare<P extends SqlParams = SqlParams, R = Record<string, unknown>>(sql: string): Statement<P, R> {
    const statement = this.db.prepare<Params, R>(sql);
    const params = (p: P) => p as unknown as Params;
    return {
      run: (...p) => this.#exec(() => ({ changes: statement.run(...params(p)).changes })),
      get: (...p) => this.#exec(() => statement.get(...params(p))),
      all: (...p) => this.#exec(() => statement.all(...params(p))),
    };
  }

  #exec<T>(fn: () => T): Promise<T> {
    if (this.#owner === null || this.#context.getStore() === this.#owner) return resolved(fn);
    return this.#free.then(() => this.#exec(fn));
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#owner !== null && this.#context.getStore() === this.#owner) {
      const savepoint = `sp${this.#depth++}`;
      this.db.exec(`SAVEPOINT ${savepoint}`);
      try {
        const result = await fn();
        this.db.exec(`RELEASE ${savepoint}`);
        return result;
      } catch (err) {
        this.db.exec(`ROLLBACK TO ${savepoint}; RELEASE ${savepoint}`);
        throw err;
      } finally {
        this.#depth--;
      }
    }
    while (this.#owner !== null) await this.#free;
    const owner = {};
    let release = () => {};
    this.#owner = owner;
    this.#free = new Promise((resolve) => (release = resolve));
    try {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await this.#context.run(owner, fn);
        this.db.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.db.open) this.db.exec('ROLLBACK');
        throw err;
      }
    } finally {
      this.#owner = null;
      release();
    }
  }

  schemaVersion(): Promise<number> {
    return resolved(() => schemaVersion(this.db));
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
}

/** Opens (or creates) the SQLite database in WAL mode and brings it to the newest schema. */
export function openDatabase(file: string, migrations: readonly Migration[] = MIGRATIONS): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Db(file);
  // First: processes starting at once on a new file wait for each other, even to switch it to WAL.
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  // NORMAL is durable across process crashes in WAL mode; only a power loss can drop the last commits.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  migrate(db, migrations);
  return db;
}

/** Where the stores live: PostgreSQL at `databaseUrl` when given, else the SQLite file. */
export async function openStore(target: { databaseUrl: string | null; sqliteFile: string }, migrations: readonly Migration[] = MIGRATIONS): Promise<Database> {
  if (target.databaseUrl) {
    const { openPostgres } = await import('./postgres.ts');
    return openPostgres(target.databaseUrl, migrations);
  }
  return new SqliteDatabase(openDatabase(target.sqliteFile, migrations));
}

export function schemaVersion(db: Db): number {
  const row = db.prepare<[], { v: number | null }>('SELECT max(version) AS v FROM schema_migrations').get();
  return row?.v ?? 0;
}

/** What a database at schema `current` needs; refuses one newer than this build. */
export function pendingMigrations(current: number, migrations: readonly Migration[]): Migration[] {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  const newest = sorted.at(-1)?.version ?? 0;
  if (current > newest) {
    throw new SchemaError(
      `the database is at schema version ${current}, newer than this Kijkkamer knows (${newest}): it was upgraded by a newer version. Start that version, or restore a backup made with this one.`,
    );
  }
  return sorted.filter((m) => m.version > current);
}

export function migrate(db: Db, migrations: readonly Migration[]): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of pendingMigrations(schemaVersion(db), migrations)) {
    db.transaction(() => {
      // Several processes sharing the file may start at once: holding the write lock now, this
      // one skips what another applied since it looked.
      if (schemaVersion(db) >= m.version) return;
      db.exec(migrationSql(m, 'sqlite'));
      record.run(m.version, m.name, Date.now());
    });
  }
}
