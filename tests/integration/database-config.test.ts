/**
 * The compiled server (as `npm start` runs it) on PostgreSQL: it starts and works with a good
 * DATABASE_URL, says in one sentence why it cannot start with a bad one (exit code 2, no stack
 * trace), and the SQLite backup commands refuse clearly instead of copying the wrong thing.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { openPostgres } from '../../server/src/db/postgres.ts';
import { MIGRATIONS } from '../../server/src/db/migrations.ts';
import { childEnv, killChildren, ROOT, signIn, startChild } from '../helpers/child.ts';
import { createTestDatabase } from '../helpers/postgres.ts';
import { createRoom } from '../helpers/scenario.ts';

/** Runs a compiled entry point to its end, with DATABASE_URL set. */
function run(script: string, databaseUrl: string, dataDir: string, args: string[] = []): Promise<{ code: number | null; out: string }> {
  const proc = spawn(process.execPath, ['--enable-source-maps', script, ...args], {
    cwd: ROOT,
    env: childEnv(dataDir, { DATABASE_URL: databaseUrl, PORT: '0' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => proc.once('exit', (code) => resolve({ code, out })));
}

const MAIN = 'dist/server/src/main.js';

describe('the server on PostgreSQL (DATABASE_URL)', () => {
  const dirs: string[] = [];
  const drops: (() => Promise<void>)[] = [];
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'kijkkamer-pgdata-'));
    dirs.push(dir);
    return dir;
  };
  const database = async () => {
    const db = await createTestDatabase(inject('postgresUrl'));
    drops.push(db.drop);
    return db.url;
  };
  afterAll(async () => {
    await killChildren();
    for (const drop of drops) await drop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('starts, keeps its data in PostgreSQL (nothing in SQLite) and keeps it across a restart', async () => {
    const url = await database();
    const dir = dataDir();
    const first = await startChild(dir, { DATABASE_URL: url });
    const room = await createRoom(await signIn(first.url), 'Kamer in PostgreSQL');
    first.proc.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);
    expect(readdirSync(dir).filter((f) => f.endsWith('.sqlite'))).toEqual([]);

    const second = await startChild(dir, { DATABASE_URL: url });
    const rooms = await (await signIn(second.url)).get<{ rooms: { id: string; title: string }[] }>('/api/rooms');
    expect(rooms.body.rooms.map((r) => [r.id, r.title])).toEqual([[room.id, 'Kamer in PostgreSQL']]);
    second.proc.kill('SIGTERM');
    await second.exited;
  }, 120_000);

  it('refuses to start on a server that does not answer, naming it', async () => {
    const { code, out } = await run(MAIN, 'postgres://kijkkamer@127.0.0.1:1/kijkkamer', dataDir());
    expect(code).toBe(2);
    expect(out).toMatch(/^Kijkkamer: cannot use PostgreSQL at 127\.0\.0\.1:1\/kijkkamer/m);
    expect(out).not.toMatch(/\n\s+at /); // a sentence, not a stack trace
  }, 60_000);

  it('refuses a DATABASE_URL that is not a PostgreSQL URL', async () => {
    const { code, out } = await run(MAIN, 'mysql://kijkkamer@127.0.0.1/kijkkamer', dataDir());
    expect(code).toBe(2);
    expect(out).toContain('Kijkkamer: DATABASE_URL must start with postgres://');
  }, 60_000);

  it('refuses a database whose schema is newer than this build (the build is behind)', async () => {
    const url = await database();
    const newer = await openPostgres(url, [...MIGRATIONS, { version: 999, name: 'from-a-newer-kijkkamer', sql: 'CREATE TABLE later_feature (id BIGINT)' }]);
    await newer.close();
    const { code, out } = await run(MAIN, url, dataDir());
    expect(code).toBe(2);
    expect(out).toMatch(/^Kijkkamer: .*newer than this Kijkkamer knows/m);
  }, 60_000);

  it('backup and restore refuse and point to pg_dump', async () => {
    const url = await database();
    for (const script of ['backup', 'restore']) {
      const target = join(dataDir(), 'out');
      const { code, out } = await run(`dist/server/src/ops/${script}.js`, url, dataDir(), [target]);
      expect({ script, code }).toEqual({ script, code: 1 });
      expect(out).toContain('pg_dump');
    }
  }, 60_000);
});
