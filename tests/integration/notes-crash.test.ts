/**
 * The crash test: the real server as a child process, ten y-websocket providers writing
 * observations at once, `kill -9` at a seeded random moment in the middle of the stream, a restart
 * on the same data dir — and not one acknowledged write may be missing.
 *
 * "Acknowledged" (docs/protocol.md): the hub appends an update to the store and commits it BEFORE it
 * sends it to anyone, so a write that any other client received over the wire was durable at that
 * moment. Every writer is also a reader of the others; one more client only reads. Writes that no
 * other client saw may or may not survive; they are not checked.
 *
 * `npm test` runs one round on SQLite and one on PostgreSQL (DATABASE_URL, the run's throwaway
 * server); `npm run fuzz` runs KIJKKAMER_CRASH_ROUNDS (5) on each with different seeds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import * as Y from 'yjs';
import { Db, openStore, SqliteDatabase, type Database } from '../../server/src/db/database.ts';
import { createDocStore } from '../../server/src/notes/store.ts';
import { readObservations } from '../../shared/notes/doc.ts';
import { killChildren, signIn, startChild } from '../helpers/child.ts';
import { FUZZ_SEED } from '../helpers/fuzz.ts';
import { createTestDatabase } from '../helpers/postgres.ts';
import { createRoom } from '../helpers/scenario.ts';
import { Client, lostWrites, random, Writer, type Write } from '../helpers/writers.ts';
import { openProvider, synced, until, type TestProvider } from '../helpers/yjs.ts';

const WRITERS = 10;
const ROUNDS = Number(process.env.KIJKKAMER_CRASH_ROUNDS ?? 1);
/** Per writer. 12.5 frames/s each stays well inside the hub's rate limit, even after a stall. */
const WRITE_EVERY_MS = 80;
/** Kill only once other clients have confirmed this many writes, so the check is never vacuous. */
const MIN_CONFIRMED = 200;

const textsOf = (doc: Y.Doc): Map<string, string> => new Map(readObservations(doc).map((o) => [o.id, o.text]));

interface RoundResult {
  seed: number;
  writes: number;
  acknowledged: number;
  lost: number;
  killAfterMs: number;
}

type Backend = 'sqlite' | 'postgres';

async function crashRound(round: number, backend: Backend): Promise<RoundResult> {
  const seed = FUZZ_SEED + round;
  const rnd = random(seed);
  const dataDir = mkdtempSync(join(tmpdir(), 'kijkkamer-crash-'));
  const postgres = backend === 'postgres' ? await createTestDatabase(inject('postgresUrl')) : null;
  const env: Record<string, string> = postgres ? { DATABASE_URL: postgres.url } : {};
  const open: TestProvider[] = [];
  try {
    const first = await startChild(dataDir, env);
    const host = await signIn(first.url);
    const room = await createRoom(host, `Crashtest ${round}`);
    const provider = () => {
      const p = openProvider(host, room.id);
      open.push(p);
      return p;
    };
    const reader = new Client(provider());
    const writers = Array.from({ length: WRITERS }, (_, i) => new Writer(i, provider(), WRITE_EVERY_MS));
    const clients: Client[] = [reader, ...writers];
    await Promise.all(clients.map((c) => synced(c.p)));

    writers.forEach((w, i) => w.start((i * WRITE_EVERY_MS) / WRITERS));
    const allWrites = () => writers.flatMap((w) => w.writes);
    const acknowledged = (w: Write) => clients.some((c) => c !== writers[w.writer] && c.saw(w));
    const started = Date.now();
    // Polling, not a fixed sleep: on a busy machine the stream may take a while to get going.
    await until(() => allWrites().filter(acknowledged).length >= MIN_CONFIRMED, 90_000);
    // Kill at a seeded moment unrelated to any tick boundary.
    await new Promise((r) => setTimeout(r, Math.floor(rnd() * WRITE_EVERY_MS * 4)));

    for (const c of clients) c.serverUp = false;
    const writtenAtKill = allWrites().length;
    const killAfterMs = Date.now() - started;
    first.proc.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });

    // The sockets close only after every frame already in the kernel buffers has been handed
    // over, so after this every client's view of what it received is final.
    await until(() => clients.every((c) => c.closedAfterKill), 30_000);
    // Writers keep going against a dead server for a little longer: "mid-stream" for real.
    await until(() => allWrites().length >= writtenAtKill + WRITERS * 2, 30_000);
    for (const w of writers) w.stop();

    // Fail loudly if the setup itself broke (e.g. a writer hit a limit and was cut off early).
    for (const c of clients) expect(c.unexpectedCloses).toEqual([]);

    const readerState = Y.encodeStateAsUpdate(reader.p.doc);
    const writes = allWrites();
    const confirmed = writes.filter(acknowledged);
    expect(confirmed.length).toBeGreaterThanOrEqual(MIN_CONFIRMED);
    expect(confirmed.length).toBeLessThan(writes.length); // some writes were in flight or later

    // No client may sync anything back into the restarted server, or it would paper over a loss.
    for (const p of open.splice(0)) p.destroy();

    const second = await startChild(dataDir, env);
    const again = await signIn(second.url);
    const fresh = openProvider(again, room.id);
    open.push(fresh);
    await synced(fresh);
    const restored = textsOf(fresh.doc);

    const missing = lostWrites(restored, confirmed, writes);
    expect(missing).toEqual([]);

    // The same at the Yjs level: the pure reader's state is contained in the restored document,
    // so merging it in changes neither the state vector nor the content (deletions included).
    const before = { sv: Y.encodeStateVector(fresh.doc), content: readObservations(fresh.doc) };
    const probe = new Y.Doc();
    Y.applyUpdate(probe, Y.encodeStateAsUpdate(fresh.doc));
    Y.applyUpdate(probe, readerState);
    expect(Y.encodeStateVector(probe)).toEqual(before.sv);
    expect(readObservations(probe)).toEqual(before.content);
    probe.destroy();

    // And straight from the database, without the server: the stored rows load cleanly and hold
    // what the server serves.
    second.proc.kill('SIGKILL');
    await second.exited;
    const db: Database = postgres
      ? await openStore({ databaseUrl: postgres.url, sqliteFile: '' })
      : new SqliteDatabase(new Db(join(dataDir, 'kijkkamer.sqlite'), { readOnly: true }));
    try {
      const stored = await createDocStore(db).load(room.id);
      expect(stored).not.toBeNull();
      const fromDisk = new Y.Doc();
      Y.applyUpdate(fromDisk, stored!);
      expect(readObservations(fromDisk)).toEqual(before.content);
      fromDisk.destroy();
    } finally {
      await db.close();
    }
    return { seed, writes: writes.length, acknowledged: confirmed.length, lost: missing.length, killAfterMs };
  } finally {
    for (const p of open) p.destroy();
    await killChildren();
    await postgres?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('notes survive kill -9 of the server process under ten writers', () => {
  const results: (RoundResult & { backend: Backend })[] = [];
  afterAll(async () => {
    for (const r of results) {
      console.log(`kill -9 on ${r.backend} (seed ${r.seed}): ${r.writes} writes, ${r.acknowledged} acknowledged, ${r.lost} acknowledged lost, killed ${r.killAfterMs} ms into the stream`);
    }
    await killChildren();
  });

  for (const backend of ['sqlite', 'postgres'] as const) {
    for (let round = 0; round < ROUNDS; round++) {
      it(`round ${round + 1} on ${backend}: keeps every write another client had received`, async () => {
        results.push({ backend, ...(await crashRound(round, backend)) });
      }, 300_000);
    }
  }
});
