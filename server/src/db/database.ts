import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { backup, DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { MIGRATIONS, type Migration } from './migrations.ts';

type Params = SQLInputValue[] | [Record<string, SQLInputValue>];

/** A prepared statement with the row and parameter types the caller declares. */
export interface Statement<P extends Params = Params, R = Record<string, unknown>> {
  run(...params: P): { changes: number; lastInsertRowid: number };
  get(...params: P): R | undefined;
  all(...params: P): R[];
}

/**
 * Node's built-in SQLite (`node:sqlite`), synchronous like better-sqlite3 was, with typed
 * statements and nestable transactions. Synchronous I/O is what makes write-through race-free:
 * an update is in the file before the next message is handled.
 */
export class Db {
  readonly #db: DatabaseSync;
  #depth = 0;

  constructor(file: string, options: { readOnly?: boolean } = {}) {
    this.#db = new DatabaseSync(file, { readOnly: options.readOnly ?? false });
  }

  prepare<P extends Params = Params, R = Record<string, unknown>>(sql: string): Statement<P, R> {
    const statement: StatementSync = this.#db.prepare(sql);
    // An object with more fields than the statement names (a whole row type) binds what it needs.
    statement.setAllowUnknownNamedParameters(true);
    return statement as unknown as Statement<P, R>;
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

/** Opens (or creates) the database in WAL mode and brings it to the newest schema. */
export function openDatabase(file: string, migrations: readonly Migration[] = MIGRATIONS): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Db(file);
  db.pragma('journal_mode = WAL');
  // NORMAL is durable across process crashes in WAL mode; only a power loss can drop the last commits.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db, migrations);
  return db;
}

export function schemaVersion(db: Db): number {
  const row = db.prepare<[], { v: number | null }>('SELECT max(version) AS v FROM schema_migrations').get();
  return row?.v ?? 0;
}

export function migrate(db: Db, migrations: readonly Migration[]): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const current = schemaVersion(db);
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, Date.now());
    });
  }
}
