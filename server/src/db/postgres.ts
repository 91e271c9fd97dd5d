/**
 * `Database` on PostgreSQL (node-postgres). Statements are named prepared statements (parsed once
 * per pooled connection); a transaction takes one connection from the pool and every statement
 * run inside it (found through the async context) goes there.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import { pendingMigrations, SchemaError, type Database, type Statement } from './database.ts';
import { migrationSql, MIGRATIONS, type Migration } from './migrations.ts';
import { positionalValues, toPositional, type Params } from './sql.ts';

/** The database address is unusable or the server cannot be reached: said at start, not later. */
export class DatabaseConfigError extends Error {}

const INT8 = 20;
/** Every Kijkkamer process migrates at start; this lock lets one do it while the others wait. */
const MIGRATION_LOCK = 0x6b696a6b; // "kijk"
const CONNECT_TIMEOUT_MS = 5_000;

/** Where a URL points, without its password: what an error message may say. */
function describe(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `${url.hostname || 'localhost'}:${url.port || '5432'}${url.pathname}`;
  } catch {
    return 'DATABASE_URL (not a URL)';
  }
}

class PostgresDatabase implements Database {
  readonly dialect = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #context = new AsyncLocalStorage<{ client: pg.PoolClient; depth: number }>();
  /** One name per statement text: named statements are prepared once per connection. */
  readonly #names = new Map<string, string>();

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  prepare<P extends Params = Params, R = Record<string, unknown>>(sql: string): Statement<P, R> {
    const positional = toPositional(sql);
    let name = this.#names.get(positional.text);
    if (name === undefined) {
      name = `k${this.#names.size}`;
      this.#names.set(positional.text, name);
    }
    const query = async (params: P) => {
      const target = this.#context.getStore()?.client ?? this.#pool;
      return target.query<R & pg.QueryResultRow>({ name, text: positional.text, values: positionalValues(positional, params) });
    };
    return {
      run: async (...p) => ({ changes: (await query(p)).rowCount ?? 0 }),
      get: async (...p) => (await query(p)).rows[0],
      all: async (...p) => (await query(p)).rows,
    };
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    const current = this.#context.getStore();
    if (current) {
      const savepoint = `sp${current.depth}`;
      await current.client.query(`SAVEPOINT ${savepoint}`);
      try {
        const result = await this.#context.run({ client: current.client, depth: current.depth + 1 }, fn);
        await current.client.query(`RELEASE SAVEPOINT ${savepoint}`);
        return result;
      } catch (err) {
        await current.client.query(`ROLLBACK TO SAVEPOINT ${savepoint}`);
        throw err;
      }
    }
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      try {
        const result = await this.#context.run({ client, depth: 0 }, fn);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch((e: unknown) => (broken = e as Error));
        throw err;
      }
    } finally {
      // A connection whose ROLLBACK failed is in an unknown state: the pool drops it.
      client.release(broken);
    }
  }

  async schemaVersion(): Promise<number> {
    const { rows } = await this.#pool.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
    return rows[0]?.v ?? 0;
  }

  async migrate(migrations: readonly Migration[]): Promise<void> {
    const client = await this.#pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
      const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
      for (const m of pendingMigrations(rows[0]?.v ?? 0, migrations)) {
        await client.query('BEGIN');
        try {
          await client.query(migrationSql(m, 'postgres'));
          await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, Date.now()]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw new SchemaError(`migration ${String(m.version).padStart(3, '0')}-${m.name} failed: ${(err as Error).message}`);
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
      client.release();
    }
  }

  close(): Promise<void> {
    return this.#pool.end();
  }
}

/**
 * Connects, checks the server answers, and brings the schema to the newest migration. Every
 * problem says what is wrong in a sentence: a bad URL, a server that does not answer, a refused
 * login, a schema newer than this build.
 */
export async function openPostgres(databaseUrl: string, migrations: readonly Migration[] = MIGRATIONS, options: { max?: number } = {}): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.max ?? 10,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // Milliseconds since 1970 and row ids are BIGINT; they fit a double exactly.
    types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8 ? Number : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser },
  });
  // An idle connection the server drops (restart, failover) is replaced by the pool, not a crash.
  pool.on('error', () => {});
  const db = new PostgresDatabase(pool);
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => {});
    const e = err as Error & { code?: string };
    throw new DatabaseConfigError(`cannot use PostgreSQL at ${describe(databaseUrl)}: ${e.message || e.code || String(err)}`);
  }
  try {
    await db.migrate(migrations);
  } catch (err) {
    await pool.end().catch(() => {});
    throw err;
  }
  return db;
}
