/**
 * The playhead survives the real server process: SIGTERM (graceful: a playing room pauses where
 * it is and its clients hear it before the connections close) and `kill -9` (a crash: the room
 * reopens where it was last known to play), each followed by a restart on the same data; clients
 * that connect again see the room paused there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { Db, SqliteDatabase } from '../../server/src/db/database.ts';
import { createPlayheadStateStore } from '../../server/src/playhead/state-store.ts';
import { frameCentre, frameIndex, reopenTimeline, type PlayheadState } from '../../shared/playhead/index.ts';
import type { PlayheadSnapshot } from '../../shared/playhead/protocol.ts';
import { killChildren, signIn, startChild, type ChildServer } from '../helpers/child.ts';
import { HttpClient } from '../helpers/http.ts';
import { PlayheadPeer, until } from '../helpers/playhead.ts';
import pg from 'pg';
import { createTestDatabase } from '../helpers/postgres.ts';
import { createRoom, invite } from '../helpers/scenario.ts';

const dirs: string[] = [];
afterAll(async () => {
  await killChildren();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kijkkamer-playhead-restart-'));
  dirs.push(dir);
  return dir;
}

async function guest(host: HttpClient, roomId: string): Promise<HttpClient> {
  const http = new HttpClient(host.base);
  const res = await http.post(`/api/rooms/${roomId}/join`, { token: (await invite(host, roomId, 'coach')).token, displayName: 'Coen' });
  if (res.status !== 201) throw new Error(`join failed: ${res.status}`);
  return http;
}

/** The server clock now, from a clock exchange. */
async function serverNow(peer: PlayheadPeer): Promise<number> {
  const reply = await peer.emit<{ t1: number }>('playhead:clock', { rtt: null });
  if (!reply.ok) throw new Error('clock refused');
  return reply.value!.t1;
}

/** Plays from `from` and waits until the room has really played for a while on the server clock. */
async function playFor(peer: PlayheadPeer, from: number, ms: number): Promise<PlayheadState> {
  await peer.command({ type: 'seek', position: from });
  const ack = await peer.command({ type: 'play' });
  if (!ack.ok) throw new Error('play refused');
  let now = await serverNow(peer);
  while (now < ack.value!.effectiveAt + ms) {
    await new Promise((r) => setTimeout(r, 50));
    now = await serverNow(peer);
  }
  return peer.latest;
}

describe('the shared playhead across restarts of the real server process', () => {
  it('SIGTERM pauses a playing room where it is, tells the clients, and the room reopens there with its presenter', { timeout: 180_000 }, async () => {
    const dir = dataDir();
    let server: ChildServer = await startChild(dir);
    const host = await signIn(server.url);
    const room = await createRoom(host);
    const coach = await guest(host, room.id);
    const h = await PlayheadPeer.join(host, room.id);
    const c = await PlayheadPeer.join(coach, room.id);
    expect(await h.emit('playhead:mode', { mode: 'presenter' })).toEqual({ ok: true });
    await h.command({ type: 'rate', rate: 1.5 });
    const playing = await playFor(h, 3.3, 400);
    expect(playing.paused).toBe(false);

    // What the coach knew when its connection closed.
    const lastHeard = new Promise<PlayheadState>((resolve) => c.socket.once('disconnect', () => resolve(c.latest)));
    server.proc.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    const heard = await lastHeard;
    expect(heard).toMatchObject({ paused: true, rate: 1.5, version: playing.version + 1 });
    // Paused where it was playing: after the start, on a frame centre.
    expect(heard.position).toBeGreaterThan(3.3);
    expect(heard.position).toBe(frameCentre(frameIndex(heard.position, 25), 25));

    server = await startChild(dir, {}, { port: server.port });
    // The coach connects again (a new socket, the same cookie, as a browser reconnects).
    const again = await PlayheadPeer.join(coach, room.id);
    const snapshot: PlayheadSnapshot = again.snapshot!;
    expect(snapshot.states).toHaveLength(1);
    expect(snapshot.states[0]).toMatchObject({ paused: true, position: heard.position, rate: 1.5, version: heard.version + 1 });
    expect(snapshot.room).toMatchObject({ mode: 'presenter', presenter: { name: 'Beheerder' } });
    // The host is still the presenter: the coach may not steer, the host may.
    expect(await again.command({ type: 'play' })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    const h2 = await PlayheadPeer.join(host, room.id);
    expect(await h2.command({ type: 'step', frames: 1 })).toMatchObject({ ok: true, value: { version: heard.version + 2 } });
    for (const p of [h, c, again, h2]) p.close();
    server.proc.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
  });

  it('kill -9 while playing: the room reopens paused where it was last known to play, and stays there after another restart', { timeout: 180_000 }, async () => {
    const dir = dataDir();
    let server: ChildServer = await startChild(dir);
    const host = await signIn(server.url);
    const room = await createRoom(host);
    const h = await PlayheadPeer.join(host, room.id);
    const playing = await playFor(h, 2.5, 300);

    // Read the stored row next to the running server until it has confirmed the room still plays
    // half a second past the start (its heartbeat), so the crash has something to recover.
    const reader = new SqliteDatabase(new Db(join(dir, 'kijkkamer.sqlite'), { readOnly: true }));
    const store = createPlayheadStateStore(reader);
    await until(async () => {
      const row = await store.load(room.id);
      return row !== null && row.timeline.version === playing.version && row.timeline.aliveAt >= row.timeline.at + 500;
    }, 'the heartbeat of the playing room', 20_000);
    server.proc.kill('SIGKILL');
    expect((await server.exited).signal).toBe('SIGKILL');
    const stored = (await store.load(room.id))!;
    await reader.close();
    expect(stored.timeline).toMatchObject({ paused: false, version: playing.version, position: playing.position });
    const expected = reopenTimeline(stored.timeline, 0).position;
    expect(expected).toBeGreaterThanOrEqual(2.5 + 0.5 - 0.02);

    server = await startChild(dir, {}, { port: server.port });
    const again = await PlayheadPeer.join(host, room.id);
    expect(again.latest).toMatchObject({ paused: true, position: expected, version: playing.version + 1 });
    again.close();

    // A second restart (graceful this time, nothing playing) leaves the room where it is.
    server.proc.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
    server = await startChild(dir);
    const host2 = await signIn(server.url);
    const third = await PlayheadPeer.join(host2, room.id);
    expect(third.latest).toMatchObject({ paused: true, position: expected, version: playing.version + 2 });
    third.close();
    h.close();
    server.proc.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
  });

  // The test holds the room's row locked, so the server's write of the next change cannot finish:
  // that change reaches the others (the broadcast does not wait), but not yet as an ack to its
  // sender. Once acknowledged it is stored: a kill -9 right after the ack does not lose it.
  it('acknowledges a change to its sender only once it is stored, so a kill -9 right after the ack keeps it (PostgreSQL)', { timeout: 180_000 }, async () => {
    const database = await createTestDatabase(inject('postgresUrl'));
    let server: ChildServer = await startChild(dataDir(), { DATABASE_URL: database.url });
    const locker = new pg.Client({ connectionString: database.url });
    try {
      const host = await signIn(server.url);
      const room = await createRoom(host);
      const coach = await guest(host, room.id);
      const h = await PlayheadPeer.join(host, room.id);
      const c = await PlayheadPeer.join(coach, room.id);
      const acked = await h.command({ type: 'seek', position: 4.2 });
      if (!acked.ok) throw new Error(`seek refused: ${acked.error.message}`);
      const kept = h.latest;
      expect(kept.version).toBe(acked.value!.version);

      await locker.connect();
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM playhead_state WHERE room_id = $1 FOR UPDATE', [room.id]);
      let ackedWhileLocked = false;
      const second = h.command({ type: 'seek', position: 9.7 }).then((ack) => ((ackedWhileLocked = true), ack));
      await until(() => c.latest.version === kept.version + 1, 'the coach hearing the second seek', 10_000);
      const moved = c.latest;
      // The coach's copy and the ack leave the process in the same turn when the ack does not wait
      // for the store; a generous moment more for it to arrive (this connection's other messages
      // wait behind the command, so nothing else can be asked of it meanwhile).
      await new Promise((r) => setTimeout(r, 300));
      expect(ackedWhileLocked).toBe(false);

      // Once the row is free the write finishes, and only then does the ack come.
      await locker.query('ROLLBACK');
      expect(await second).toMatchObject({ ok: true, value: { version: moved.version } });
      server.proc.kill('SIGKILL');
      expect((await server.exited).signal).toBe('SIGKILL');
      h.close();
      c.close();

      server = await startChild(dataDir(), { DATABASE_URL: database.url }, { port: server.port });
      const again = await PlayheadPeer.join(host, room.id);
      expect(again.latest).toMatchObject({ paused: true, position: moved.position });
      again.close();
      server.proc.kill('SIGTERM');
      expect((await server.exited).code).toBe(0);
    } finally {
      if (server.proc.exitCode === null && server.proc.signalCode === null) server.proc.kill('SIGKILL');
      await locker.end().catch(() => undefined);
      await database.drop();
    }
  });
});
